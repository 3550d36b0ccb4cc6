/**
 * Lua scripts that make each queue transition atomic in Redis: one script per transition, so two
 * broker replicas (or a broker killed half-way) can never hand one job to two runners or leave a
 * transition half-done (a hand-off without its project load, a forgotten job still first in its
 * deploy order).
 *
 * Keys: every key TypeScript can name before the call is passed in KEYS. Keys that depend on what the
 * script reads (a held job's pool, project and environment from its meta; the runners of the polling set)
 * are built in the script from the key prefixes in ARGV (key-prefixes.ts, from redis-keys.ts), so the
 * layout is still defined in one place. Redis Cluster is refused at start-up (docs/OPERATING.md §11).
 */

/**
 * Shared helpers. `raw_number` reads a top-level number of a meta JSON as written by JSON.stringify,
 * unchanged: cjson would print it back with 14 digits and move a fractional queue key.
 */
const PRELUDE = `
local function raw_number(json, name)
  return string.match(json, '"' .. name .. '":(%-?[%d%.eE%+%-]+)')
end
local function deploy_key(prefix, m)
  if m.isDeploy == true and type(m.environment) == 'string' and m.environment ~= '' then
    return prefix .. string.format('%d', m.projectId) .. ':' .. m.environment
  end
  return nil
end
local function project_field(m) return string.format('%d', m.projectId) end
-- The asking runners of a polling set with their free slots (held polls since \`since\` less their
-- reservations), longest-waiting first: {runnerId, slots, ...}.
local function free_slots(polling_key, since, reserved_prefix)
  local counts, order = {}, {}
  for _, member in ipairs(redis.call('ZRANGEBYSCORE', polling_key, since, '+inf')) do
    local bar = string.find(member, '|', 1, true)
    local runner = bar and string.sub(member, 1, bar - 1) or member
    if not counts[runner] then counts[runner] = 0; order[#order + 1] = runner end
    counts[runner] = counts[runner] + 1
  end
  local runners = {}
  for _, runner in ipairs(order) do
    local free = counts[runner] - redis.call('LLEN', reserved_prefix .. runner)
    if free > 0 then runners[#runners + 1] = runner; runners[#runners + 1] = free end
  end
  return runners
end
`;

/**
 * KEYS: sequence(pool), jobs, jobMeta, queue(pool), held(pool), handoffs[, deployOrder];
 * ARGV: jobId, payload, meta JSON without fifoSeq, queueKey, arrivedAt, '1' = only where missing, fifoSeq ('' = next).
 * The take-in: the FIFO sequence, payload, meta, queue and held entries and the deploy order in one step.
 * With ARGV[6] = '1' it is the failover repair: a job Redis still holds or has handed off is left as it is.
 * → the job's fifoSeq when written, 0 when present (repair only).
 */
export const TAKE_IN = `
if ARGV[6] == '1' and (redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 or redis.call('HEXISTS', KEYS[6], ARGV[1]) == 1) then return 0 end
local seq = tonumber(ARGV[7])
if not seq then seq = redis.call('INCR', KEYS[1]) end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], string.sub(ARGV[3], 1, -2) .. ',"fifoSeq":' .. seq .. '}')
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[5], ARGV[1])
-- GitLab job ids grow with creation time: the lower id is the earlier commit's deploy.
if KEYS[7] then redis.call('ZADD', KEYS[7], ARGV[1], ARGV[1]) end
return seq`;

/**
 * KEYS: polling(pool), queue(pool), jobMeta, projectLoad(pool), highClassDispatches(pool), warmReserve(pool);
 * ARGV: polls since (ms), head size, high-class window start (ms), reserved prefix, deploy-order prefix.
 * Everything a dispatch round reads, in one step: the asking runners with their free slots (held polls
 * less reservations), the head's metas with whether each is the oldest held deploy of its project and
 * environment, the project load, the top-class dispatches of the last hour and the warm reserve record.
 * → {{runnerId, slots, ...}, {meta JSON, ...}, {1 oldest / 0 not, ...}, {projectId, load, ...}, {dispatch, ...}, warm or ''}.
 */
export const READ_ROUND = PRELUDE + `
local runners = free_slots(KEYS[1], ARGV[1], ARGV[4])
local metas, oldest = {}, {}
local ids = redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[2]) - 1)
if #ids > 0 then
  local raws = redis.call('HMGET', KEYS[3], unpack(ids))
  for i = 1, #ids do
    local raw = raws[i]
    if raw then
      metas[#metas + 1] = raw
      local first = 1
      if string.find(raw, '"isDeploy":true', 1, true) then
        local key = deploy_key(ARGV[5], cjson.decode(raw))
        local head = key and redis.call('ZRANGE', key, 0, 0)[1]
        if head and head ~= ids[i] then first = 0 end
      end
      oldest[#oldest + 1] = first
    end
  end
end
return {runners, metas, oldest, redis.call('HGETALL', KEYS[4]), redis.call('ZRANGEBYSCORE', KEYS[5], ARGV[3], '+inf'),
  redis.call('GET', KEYS[6]) or ''}`;

/**
 * KEYS: polling(pool); ARGV: polls since (ms), reserved prefix.
 * The pool's free downstream slots (what READ_ROUND's runner list sums to), which the upstream poller
 * checks before every jobs/request. Read from Node, this was the whole polling set plus one LLEN per
 * runner: with 500 runners some 500 commands per check, the assigner's main cost under load.
 * → the number of free slots.
 */
export const FREE_SLOTS = PRELUDE + `
local runners, free = free_slots(KEYS[1], ARGV[1], ARGV[2]), 0
for i = 2, #runners, 2 do free = free + runners[i] end
return free`;

/**
 * KEYS: queue(pool), reserved(runner), reservations, runnerVersions, jobMeta, highClassDispatches(pool);
 * ARGV: jobId, runnerId, deadlineMs, decided meta JSON ('' = unchanged), top-class dispatch member ('' = none),
 * nowMs, top-class retention start (ms).
 * A placement: the job leaves the queue for the runner's reservations with the decision in its meta
 * (the hand-off reads it) and, for a top-class job, its dispatch on the project's budget; the runner's
 * long-poll version is bumped. → 1 reserved, 0 gone (another replica took it; nothing written).
 */
export const RESERVE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[4] ~= '' then redis.call('HSET', KEYS[5], ARGV[1], ARGV[4]) end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1] .. '|' .. ARGV[2])
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
if ARGV[5] ~= '' then
  -- Kept a day, not the budget's hour: the optimizer's warm reserve sizes itself from these starts.
  redis.call('ZADD', KEYS[6], ARGV[6], ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', ARGV[7])
end
return 1`;

/**
 * KEYS: reserved(runner), reservations, handoffs, jobs, load, jobMeta, polling(pool), held(pool), projectLoad(pool),
 * runnerVersions[, collected(poll)];
 * ARGV: runnerId, nowMs, poll member ('' = none), pool of KEYS 7–9, held prefix, project-load prefix, deploy-order prefix,
 * marker TTL (ms), '1' = a poll arriving: when nothing is collected it joins the polling set (scored now, NX).
 * Pops the runner's oldest reservation that is still unclaimed and records the hand-off; the poll that
 * collects it leaves the polling set in the same step, so its slot is never counted free and taken at once.
 * The job counts on its project's load and leaves the held set and its deploy order (it is the runner's now).
 * A poll collects once: its marker names the job and the hand-off's time, and the same collect sent again
 * (its answer lost with the connection) returns that job while that very hand-off stands, instead of
 * taking another. The time matters: a job undone and collected again by another poll of the same runner
 * is that poll's, and returning it here too would hand it down twice.
 * The runner's long-poll version comes with the answer, so a poll is answered (or held) after one step.
 * → {jobId, payload, meta JSON or '', handedAt, version}, or {version} when nothing is collected.
 */
export const COLLECT = PRELUDE + `
local function version() return redis.call('HGET', KEYS[10], ARGV[1]) or '0' end
local function nothing()
  if ARGV[9] == '1' and ARGV[3] ~= '' then redis.call('ZADD', KEYS[7], 'NX', ARGV[2], ARGV[3]) end
  return {version()}
end
if KEYS[11] then
  local done = redis.call('GET', KEYS[11])
  if done then
    -- 'jobId|handedAt'; a marker without the time (written before it carried one) matches nothing.
    local jobId, at = string.match(done, '^([^|]+)|(.+)$')
    if jobId then
      local record = ARGV[1] .. '|' .. at .. '|'
      local h = redis.call('HGET', KEYS[3], jobId)
      local payload = redis.call('HGET', KEYS[4], jobId)
      if h and payload and string.sub(h, 1, string.len(record)) == record then
        return {jobId, payload, redis.call('HGET', KEYS[6], jobId) or '', at, version()}
      end
    end
    return nothing()
  end
end
while true do
  local jobId = redis.call('LPOP', KEYS[1])
  if not jobId then return nothing() end
  redis.call('ZREM', KEYS[2], jobId .. '|' .. ARGV[1])
  if redis.call('HSETNX', KEYS[3], jobId, ARGV[1] .. '|' .. ARGV[2] .. '|0') == 1 then
    local payload = redis.call('HGET', KEYS[4], jobId)
    if payload then
      redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
      if ARGV[3] ~= '' then redis.call('ZREM', KEYS[7], ARGV[3]) end
      local raw = redis.call('HGET', KEYS[6], jobId)
      if raw then
        local m = cjson.decode(raw)
        local own = m.pool == ARGV[4]
        redis.call('HINCRBY', own and KEYS[9] or (ARGV[6] .. m.pool), project_field(m), 1)
        redis.call('ZREM', own and KEYS[8] or (ARGV[5] .. m.pool), jobId)
        local deploys = deploy_key(ARGV[7], m)
        if deploys then redis.call('ZREM', deploys, jobId) end
      end
      if KEYS[11] then redis.call('SET', KEYS[11], jobId .. '|' .. ARGV[2], 'PX', ARGV[8]) end
      return {jobId, payload, raw or '', ARGV[2], version()}
    end
    redis.call('HDEL', KEYS[3], jobId)
  end
end`;

/**
 * KEYS: reservations, jobMeta; ARGV: nowMs, reserved prefix, queue prefix.
 * Returns every uncollected reservation past its deadline to its queue. → how many went back.
 */
export const EXPIRE_RESERVATIONS = PRELUDE + `
local requeued = 0
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  local bar = string.find(member, '|', 1, true)
  local jobId, runner = string.sub(member, 1, bar - 1), string.sub(member, bar + 1)
  redis.call('ZREM', KEYS[1], member)
  local raw = redis.call('HGET', KEYS[2], jobId)
  if raw and redis.call('LREM', ARGV[2] .. runner, 0, jobId) > 0 then
    redis.call('ZADD', ARGV[3] .. cjson.decode(raw).pool, raw_number(raw, 'queueKey'), jobId)
    requeued = requeued + 1
  end
end
return requeued`;

/**
 * KEYS: handoffs, load, jobMeta; ARGV: jobId, runnerId, handedAt, queue prefix, held prefix, project-load prefix, deploy-order prefix.
 * Undoes one hand-off the runner never received (its response failed, or it stayed unacknowledged):
 * back in its queue, held set and deploy order, off its runner's and project's load. The hand-off is
 * named by runner and time: the caller decided about that one, and the job may have been undone and
 * collected again since, by the same runner, which then has it (a second sweep's undo, decided on the
 * first hand-off, took it from that runner and ran it twice).
 * → 1 requeued, 0 not (no meta, gone, another hand-off, or acknowledged: a runner that spoke for the job
 * has it, even if it spoke just after the caller decided to undo; requeuing it then would run it twice).
 */
export const UNDO_HANDOFF = PRELUDE + `
local raw = redis.call('HGET', KEYS[3], ARGV[1])
if not raw then return 0 end
local h = redis.call('HGET', KEYS[1], ARGV[1])
if not h then return 0 end
local record = ARGV[2] .. '|' .. ARGV[3] .. '|'
if string.sub(h, 1, string.len(record)) ~= record then return 0 end
if string.sub(h, -2) == '|1' then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[2], -1)
local m = cjson.decode(raw)
redis.call('ZADD', ARGV[4] .. m.pool, raw_number(raw, 'queueKey'), ARGV[1])
redis.call('ZADD', ARGV[5] .. m.pool, raw_number(raw, 'arrivedAt'), ARGV[1])
redis.call('HINCRBY', ARGV[6] .. m.pool, project_field(m), -1)
local deploys = deploy_key(ARGV[7], m)
if deploys then redis.call('ZADD', deploys, ARGV[1], ARGV[1]) end
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
 * KEYS: queue(pool), held(pool), jobs, jobMeta, handoffs, load, outbox, projectLoad(pool);
 * ARGV: jobId, msgId, outcome JSON, max outbox entries, deploy-order prefix.
 * Forgets a job everywhere (finished, cancelled, failed by us): off its project's load when it was
 * handed off, out of its deploy order, and, when msgId is not empty, its outcome in the outbox, in the
 * same step. → {the runner it was handed to or '', 1 outcome written / 0 not}.
 */
export const FORGET = PRELUDE + `
local added = 0
if ARGV[2] ~= '' then
  if redis.call('HEXISTS', KEYS[7], ARGV[2]) == 1 or redis.call('HLEN', KEYS[7]) < tonumber(ARGV[4]) then
    redis.call('HSET', KEYS[7], ARGV[2], ARGV[3])
    added = 1
  end
end
local raw = redis.call('HGET', KEYS[4], ARGV[1])
local h = redis.call('HGET', KEYS[5], ARGV[1])
if raw then
  local m = cjson.decode(raw)
  if h then redis.call('HINCRBY', KEYS[8], project_field(m), -1) end
  local deploys = deploy_key(ARGV[5], m)
  if deploys then redis.call('ZREM', deploys, ARGV[1]) end
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if h then
  local runner = string.match(h, '^([^|]+)')
  redis.call('HDEL', KEYS[5], ARGV[1])
  if tonumber(redis.call('HINCRBY', KEYS[6], runner, -1)) < 0 then redis.call('HSET', KEYS[6], runner, 0) end
  return {runner, added}
end
return {'', added}`;

/**
 * KEYS: handoffs, jobs, jobMeta, load, queue, reserved(runner), reservations, held, projectLoad[, deployOrder];
 * ARGV: jobId, runnerId, handedAt, payload, meta JSON ('' = none), projectId ('' = unknown).
 * Writes a hand-off again where a failover lost it, before its runner is answered: the job leaves the
 * queue, the runner's reservations, the held set and its deploy order (where the promoted replica still
 * had it there) and counts as the runner's, as COLLECT would have left it; a take-in lost with it is
 * written too, with the collect's time, so the runner's undo still names it.
 * → 1 present (this very hand-off), 2 written again, 0 another hand-off has it (another runner, or another
 * poll of this runner after an undo): this poll must not get it.
 */
export const RESTORE_HANDOFF = `
local h = redis.call('HGET', KEYS[1], ARGV[1])
if h then
  local record = ARGV[2] .. '|' .. ARGV[3] .. '|'
  if string.sub(h, 1, string.len(record)) == record then return 1 end
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
if KEYS[10] then redis.call('ZREM', KEYS[10], ARGV[1]) end
return 2`;
