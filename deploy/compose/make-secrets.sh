#!/usr/bin/env sh
# Creates the secret files deploy/compose/docker-compose.yml mounts (deploy/compose/secrets/,
# git-ignored): random NATS and Redis passwords, the agents' URLs holding them, a dashboard
# token, and the Anthropic key from $ANTHROPIC_API_KEY (empty file = LLM tie-break off).
# Existing files are kept, so running it again changes nothing.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 0700 secrets
chmod -f u+w secrets/* 2>/dev/null || true
random() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
[ -s secrets/nats-password ] || random > secrets/nats-password
[ -s secrets/redis-password ] || random > secrets/redis-password
[ -s secrets/dashboard-token ] || random > secrets/dashboard-token
[ -e secrets/anthropic-api-key ] || printf '%s' "${ANTHROPIC_API_KEY:-}" > secrets/anthropic-api-key
printf 'nats://switchyard:%s@nats:4222' "$(cat secrets/nats-password)" > secrets/nats-url
printf 'redis://:%s@redis:6379' "$(cat secrets/redis-password)" > secrets/redis-url
# The containers run as uid 1000 (node) and the images' own users, so the files are readable;
# the directory (0700) keeps them from other users of this host.
chmod 0444 secrets/*
echo "secrets in $(pwd)/secrets"
