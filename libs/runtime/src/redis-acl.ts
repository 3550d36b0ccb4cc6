/**
 * The least Redis needs to grant Switchyard's agents, as one ACL rule: every key under the prefix and
 * no other, no Pub/Sub channel, and the command categories the agents use (reads, writes, scripts,
 * transactions, connection commands) minus @dangerous (FLUSHALL, KEYS, CONFIG, DEBUG, ...), plus INFO:
 * ioredis's ready check, the start-up checks (Sentinel, Cluster) and replica-wait.ts (INFO replication)
 * read it. WAIT, which the assigner sends after a take-in and a hand-off, is in @connection.
 */
export function redisAclRule(prefix: string): string {
  if (!/^[A-Za-z0-9_:-]+$/.test(prefix)) throw new Error(`key prefix "${prefix}" must be [A-Za-z0-9_:-]`);
  return `on resetkeys ~${prefix}:* resetchannels -@all +@read +@write +@keyspace +@scripting +@transaction +@connection -@dangerous +info`;
}
