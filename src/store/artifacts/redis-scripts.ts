// Every adapter operation that touches more than one key is one Lua script: one round trip, and
// atomic, so a crash or a concurrent request never sees a record without its lookups or a grant
// list pointing at records it no longer covers.
//
// Layout (below the connection's keyPrefix):
//   <Model>:<id>               HASH  payload (JSON), consumed (epoch s), uid, userCode, grantId
//   uid:<Model>:<uid>          STRING id of the Session with that uid
//   userCode:<Model>:<code>    STRING id of the DeviceCode with that user code
//   grant:<grantId>            ZSET  member "<Model>:<id>", score = member's expiry (epoch ms)
// Every record is a hash, whatever its model, so no command ever meets the wrong type
// (oidc-provider#354). Index keys are derived inside the scripts from the prefix in ARGV[1];
// that needs a single Redis (or Sentinel), not Redis Cluster.
import { createHash } from 'node:crypto';

export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

function lua(source: string): LuaScript {
  return { source, sha1: createHash('sha1').update(source).digest('hex') };
}

const HELPERS = `
local function nowMs()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- A grant lives exactly as long as its longest-lived member.
local function refreshGrantExpiry(grantKey)
  local top = redis.call('ZRANGE', grantKey, -1, -1, 'WITHSCORES')
  if #top == 0 then return end
  if top[2] == 'inf' then
    redis.call('PERSIST', grantKey)
  else
    redis.call('PEXPIREAT', grantKey, top[2])
  end
end

-- Lookups are removed only while they still point at this record: a Session re-saved under a
-- new id keeps its uid lookup when the old id is destroyed.
local function dropLookup(prefix, kind, model, value, id)
  if not value then return end
  local k = prefix .. kind .. ':' .. model .. ':' .. value
  if redis.call('GET', k) == id then redis.call('DEL', k) end
end

local function unlink(prefix, model, id, key)
  local old = redis.call('HMGET', key, 'uid', 'userCode', 'grantId')
  dropLookup(prefix, 'uid', model, old[1], id)
  dropLookup(prefix, 'userCode', model, old[2], id)
  if old[3] then
    local grantKey = prefix .. 'grant:' .. old[3]
    redis.call('ZREM', grantKey, model .. ':' .. id)
    refreshGrantExpiry(grantKey)
  end
end
`;

/**
 * KEYS: record. ARGV: prefix, model, id, payload JSON, lifetime ms or '', uid, userCode, grantId,
 * consumed ('' unless the payload is a consumed record being saved again, which must stay consumed).
 */
export const UPSERT = lua(`${HELPERS}
local key = KEYS[1]
local prefix, model, id, payload = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local lifetime = tonumber(ARGV[5])
local uid, userCode, grantId, consumed = ARGV[6], ARGV[7], ARGV[8], ARGV[9]

unlink(prefix, model, id, key)
redis.call('DEL', key)
if lifetime and lifetime <= 0 then return 0 end

local fields = { 'payload', payload }
if uid ~= '' then fields[#fields + 1] = 'uid'; fields[#fields + 1] = uid end
if userCode ~= '' then fields[#fields + 1] = 'userCode'; fields[#fields + 1] = userCode end
if grantId ~= '' then fields[#fields + 1] = 'grantId'; fields[#fields + 1] = grantId end
if consumed ~= '' then fields[#fields + 1] = 'consumed'; fields[#fields + 1] = consumed end
redis.call('HSET', key, unpack(fields))
if lifetime then redis.call('PEXPIRE', key, lifetime) end

local function link(kind, value)
  local k = prefix .. kind .. ':' .. model .. ':' .. value
  if lifetime then redis.call('SET', k, id, 'PX', lifetime) else redis.call('SET', k, id) end
end
if uid ~= '' then link('uid', uid) end
if userCode ~= '' then link('userCode', userCode) end

if grantId ~= '' then
  local grantKey = prefix .. 'grant:' .. grantId
  local now = nowMs()
  redis.call('ZREMRANGEBYSCORE', grantKey, '-inf', now)
  if lifetime then
    redis.call('ZADD', grantKey, now + lifetime, model .. ':' .. id)
  else
    redis.call('ZADD', grantKey, '+inf', model .. ':' .. id)
  end
  refreshGrantExpiry(grantKey)
end
return 1
`);

/** KEYS: lookup (uid or userCode). ARGV: prefix, model. Returns [payload, consumed] or nil. */
export const FIND_BY_LOOKUP = lua(`
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HMGET', ARGV[1] .. ARGV[2] .. ':' .. id, 'payload', 'consumed')
`);

/**
 * KEYS: record. ARGV: consumed (epoch s). The first consumption's timestamp is kept, and an
 * absent (expired, destroyed) record is not resurrected as a hash without payload or TTL.
 */
export const CONSUME = lua(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
return redis.call('HSETNX', KEYS[1], 'consumed', ARGV[1])
`);

/** KEYS: record. ARGV: prefix, model, id. */
export const DESTROY = lua(`${HELPERS}
unlink(ARGV[1], ARGV[2], ARGV[3], KEYS[1])
return redis.call('DEL', KEYS[1])
`);

/** KEYS: grant. ARGV: prefix. Deletes every member (of any model) and its lookups, then the grant. */
export const REVOKE_GRANT = lua(`${HELPERS}
local prefix = ARGV[1]
local members = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, member in ipairs(members) do
  local separator = string.find(member, ':', 1, true)
  local model, id = string.sub(member, 1, separator - 1), string.sub(member, separator + 1)
  local key = prefix .. member
  local old = redis.call('HMGET', key, 'uid', 'userCode')
  dropLookup(prefix, 'uid', model, old[1], id)
  dropLookup(prefix, 'userCode', model, old[2], id)
  redis.call('DEL', key)
end
redis.call('DEL', KEYS[1])
return #members
`);
