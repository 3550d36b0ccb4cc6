/**
 * Lua scripts that make each queue transition atomic in Redis, so two broker
 * replicas (or a broker killed half-way) can never hand one job to two runners.
 */

/**
 * KEYS: queue, reserved(runner), reservations, runnerVersions; ARGV: jobId, runnerId, deadlineMs.
 * → 1 reserved, 0 gone (another replica took it). Bumps the runner's long-poll version.
 */
export const RESERVE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1] .. '|' .. ARGV[2])
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
return 1`;

/**
 * KEYS: reserved(runner), reservations, handoffs, jobs, load, jobMeta; ARGV: runnerId, nowMs.
 * Pops the runner's oldest reservation that is still unclaimed and records the hand-off.
 * → the job payload, or false when nothing is reserved.
 */
export const COLLECT = `
while true do
  local jobId = redis.call('LPOP', KEYS[1])
  if not jobId then return false end
  redis.call('ZREM', KEYS[2], jobId .. '|' .. ARGV[1])
  if redis.call('HSETNX', KEYS[3], jobId, ARGV[1] .. '|' .. ARGV[2] .. '|0') == 1 then
    local payload = redis.call('HGET', KEYS[4], jobId)
    if payload then
      redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
      return {jobId, payload, redis.call('HGET', KEYS[6], jobId) or ''}
    end
    redis.call('HDEL', KEYS[3], jobId)
  end
end`;

/**
 * KEYS: reservations, reserved(runner), queue; ARGV: member ("jobId|runnerId"), jobId, queueKey.
 * Returns an uncollected reservation to its queue. → 1 requeued, 0 already collected.
 */
export const EXPIRE_RESERVATION = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('LREM', KEYS[2], 0, ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
return 1`;

/**
 * KEYS: handoffs, load, queue; ARGV: jobId, runnerId, queueKey.
 * Undoes a hand-off the runner never received (its response failed). → 1 requeued.
 */
export const UNDO_HANDOFF = `
local h = redis.call('HGET', KEYS[1], ARGV[1])
if not h then return 0 end
if string.sub(h, 1, string.len(ARGV[2]) + 1) ~= ARGV[2] .. '|' then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

/**
 * KEYS: queue, held, jobs, jobMeta, handoffs, load; ARGV: jobId.
 * Forgets a job everywhere (finished, cancelled, failed by us). → the runner it was handed to, or ''.
 */
export const FORGET = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local h = redis.call('HGET', KEYS[5], ARGV[1])
if h then
  local runner = string.match(h, '^([^|]+)')
  redis.call('HDEL', KEYS[5], ARGV[1])
  if tonumber(redis.call('HINCRBY', KEYS[6], runner, -1)) < 0 then redis.call('HSET', KEYS[6], runner, 0) end
  return runner
end
return ''`;
