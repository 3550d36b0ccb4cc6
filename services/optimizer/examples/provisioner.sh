#!/usr/bin/env bash
# Example Switchyard provisioner: one JSON request on stdin, one JSON answer on stdout.
# Machines live in a JSON file ($PROVISIONER_STATE, default ./provisioner-state.json); a real
# provisioner would call a cloud API here. Needs bash and jq.
#   {"op":"create","pool":"linux","owner":"optimizer-1"}  -> {"id":"m-..."}
#   {"op":"list","pool":"linux","owner":"..."}            -> {"machines":[...]}
#   {"op":"status","id":"m-1","owner":"..."}              -> {"id",...}   (exit 1 "not found")
#   {"op":"destroy","id":"m-1","owner":"..."}             -> {}
set -euo pipefail
state="${PROVISIONER_STATE:-./provisioner-state.json}"
request="$(cat)"
op="$(jq -r '.op // empty' <<<"$request")"

exec 9>"$state.lock"
flock 9
[ -s "$state" ] || echo '{"machines":[]}' >"$state"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

case "$op" in
  create)
    pool="$(jq -r '.pool' <<<"$request")"
    owner="$(jq -r '.owner' <<<"$request")"
    id="m-$(date +%s%N | tail -c 9)$RANDOM"
    jq --arg id "$id" --arg pool "$pool" --arg owner "$owner" --argjson at "$(now_ms)" \
      '.machines += [{id: $id, pool: $pool, owner: $owner, state: "running", createdAt: $at, jobsRun: 0}]' \
      "$state" >"$state.tmp" && mv "$state.tmp" "$state"
    jq -cn --arg id "$id" '{id: $id}'
    ;;
  list)
    pool="$(jq -r '.pool' <<<"$request")"
    jq -c --arg pool "$pool" '{machines: [.machines[] | select(.pool == $pool)]}' "$state"
    ;;
  status)
    id="$(jq -r '.id' <<<"$request")"
    found="$(jq -c --arg id "$id" '.machines[] | select(.id == $id)' "$state")"
    if [ -z "$found" ]; then echo "machine $id not found" >&2; exit 1; fi
    echo "$found"
    ;;
  destroy)
    id="$(jq -r '.id' <<<"$request")"
    jq --arg id "$id" '.machines |= map(select(.id != $id))' "$state" >"$state.tmp" && mv "$state.tmp" "$state"
    echo '{}'
    ;;
  *)
    echo "unknown op: ${op:-<none>}" >&2
    exit 2
    ;;
esac
