#!/usr/bin/env sh
# Creates the secret files deploy/compose/docker-compose.yml mounts (deploy/compose/secrets/,
# git-ignored): a random NATS password for each NATS user (one per agent and the CLI:
# libs/contracts/src/nats-permissions.ts) and the URL that user connects with, a random Redis
# password and the agents' Redis URL, a dashboard token, and the Anthropic key from
# $ANTHROPIC_API_KEY (empty file = LLM tie-break off). To rotate a NATS password, delete its
# nats-password-<user> file, run this again and restart nats and that agent (docs/OPERATING.md).
# Existing files are kept, so running it again changes nothing.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 0700 secrets
chmod -f u+w secrets/* 2>/dev/null || true
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
for user in assigner scorer monitor optimizer cli; do
  [ -s "secrets/nats-password-$user" ] || random > secrets/nats-password-$user
  printf 'nats://%s:%s@nats:4222' "$user" "$(cat "secrets/nats-password-$user")" > secrets/nats-url-$user
done
[ -s secrets/redis-password ] || random > secrets/redis-password
[ -s secrets/dashboard-token ] || random > secrets/dashboard-token
[ -e secrets/anthropic-api-key ] || printf '%s' "${ANTHROPIC_API_KEY:-}" > secrets/anthropic-api-key
printf 'redis://:%s@redis:6379' "$(cat secrets/redis-password)" > secrets/redis-url
# The containers run as uid 1000 (node) and the images' own users, so the files are readable;
# the directory (0700) keeps them from other users of this host.
chmod 0444 secrets/*
echo "secrets in $(pwd)/secrets"
