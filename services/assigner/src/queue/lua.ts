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
 * KEYS: reserved(runner), reservations, handoffs, jobs, load, jobMeta, polling(pool); ARGV: runnerId, nowMs, poll member.
 * Pops the runner's oldest reservation that is still unclaimed and records the hand-off; the poll that
 * collects it leaves the polling set in the same step, so its slot is never counted free and taken at once.
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
      if ARGV[3] ~= '' then redis.call('ZREM', KEYS[7], ARGV[3]) end
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
 * Undoes a hand-off the runner never received (its response failed). → 1 requeued, 0 not (gone,
 * another runner's, or acknowledged: a runner that spoke for the job has it, even if it spoke just
 * after the caller decided to undo; requeuing it then would run it twice).
 */
export const UNDO_HANDOFF = `
local h = redis.call('HGET', KEYS[1], ARGV[1])
if not h then return 0 end
if string.sub(h, 1, string.len(ARGV[2]) + 1) ~= ARGV[2] .. '|' then return 0 end
if string.sub(h, -2) == '|1' then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

/**
 * KEYS: handoffs; ARGV: jobId. Marks a hand-off (`runner|handedAt|acked`) acknowledged in one step, so an
 * undo cannot slip between reading and writing it (a read-then-write here once brought an undone
 * hand-off back). → the stored hand-off as it was, or false when there is none.
 */
export const MARK_ACKED = `
local h = redis.call('HGET', KEYS[1], ARGV[1])
if not h then return false end
if string.sub(h, -2) == '|0' then redis.call('HSET', KEYS[1], ARGV[1], string.sub(h, 1, -2) .. '1') end
return h`;

/** KEYS: outbox; ARGV: msgId, outcome JSON, max entries. Adds an outcome to the outbox unless full. → 1 added, 0 full. */
export const OUTBOX_ADD = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * KEYS: queue, held, jobs, jobMeta, handoffs, load, outbox; ARGV: jobId, msgId, outcome JSON, max outbox entries.
 * Forgets a job everywhere (finished, cancelled, failed by us) and, when msgId is not empty, writes its
 * outcome to the outbox in the same step. → {the runner it was handed to or '', 1 outcome written / 0 not}.
 */
export const FORGET = `
local added = 0
if ARGV[2] ~= '' then
  if redis.call('HEXISTS', KEYS[7], ARGV[2]) == 1 or redis.call('HLEN', KEYS[7]) < tonumber(ARGV[4]) then
    redis.call('HSET', KEYS[7], ARGV[2], ARGV[3])
    added = 1
  end
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local h = redis.call('HGET', KEYS[5], ARGV[1])
if h then
  local runner = string.match(h, '^([^|]+)')
  redis.call('HDEL', KEYS[5], ARGV[1])
  if tonumber(redis.call('HINCRBY', KEYS[6], runner, -1)) < 0 then redis.call('HSET', KEYS[6], runner, 0) end
  return {runner, added}
end
return {'', added}`;

/**
 * KEYS: jobs, jobMeta, queue, held, handoffs; ARGV: jobId, payload, meta JSON, queueKey, arrivedAt.
 * Writes a take-in again where it is missing (a failover promoted a replica that never received it).
 * A job Redis still holds or has handed off is left as it is. → 1 written again, 0 present.
 */
export const RESTORE_TAKE_IN = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[5], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[5], ARGV[1])
return 1`;

/**
 * KEYS: handoffs, jobs, jobMeta, load, queue, reserved(runner), reservations, held, projectLoad;
 * ARGV: jobId, runnerId, handedAt, payload, meta JSON ('' = none), projectId ('' = unknown).
 * Writes a hand-off again where a failover lost it, before its runner is answered: the job leaves the
 * queue and the runner's reservations (where the promoted replica still had it there) and counts as the
 * runner's, as COLLECT would have left it; a take-in lost with it is written too.
 * → 1 present for this runner, 2 written again, 0 another runner has it (this one must not get it).
 */
export const RESTORE_HANDOFF = `
local h = redis.call('HGET', KEYS[1], ARGV[1])
if h then
  if string.sub(h, 1, string.len(ARGV[2]) + 1) == ARGV[2] .. '|' then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|0')
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[4]) end
if ARGV[5] ~= '' and redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0 then redis.call('HSET', KEYS[3], ARGV[1], ARGV[5]) end
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
redis.call('ZREM', KEYS[5], ARGV[1])
redis.call('LREM', KEYS[6], 0, ARGV[1])
redis.call('ZREM', KEYS[7], ARGV[1] .. '|' .. ARGV[2])
redis.call('ZREM', KEYS[8], ARGV[1])
if ARGV[6] ~= '' then redis.call('HINCRBY', KEYS[9], ARGV[6], 1) end
return 2`;
