/**
 * GCRA (generic cell rate algorithm) with reservation, run atomically in Redis with Redis's own
 * clock so every process shares one budget and one time line.
 *
 * Each request reserves the next free slot: slots are `interval` apart, and up to `burst` of them
 * may be taken ahead of time. The caller sleeps until its slot. This spreads requests evenly
 * instead of bursting at window edges. A reservation that would wait longer than `maxWait` is not
 * taken; the caller gets the wait instead (and delays its job).
 *
 * The spacing is the slower of the configured limits and those learned from GHL's headers.
 *
 * Two request classes share the budget: `sync` (a full sync's listing, pages, sweep) and `record`
 * (webhook re-reads). Every sync request marks the location as syncing for `window` ms. While it is
 * marked, record requests also pass a second GCRA of their own (the record TAT) spaced
 * `emission / share` apart, so at most `share` of the location's slots go to them and the sync keeps
 * the rest. A record request whose share is not free by its location slot reserves nothing (a
 * reservation that far ahead would skip the slots in between for everyone) and gets the wait for its
 * share instead. Outside a sync the record TAT is neither checked nor advanced: records use the whole
 * budget and run up no debt against the next sync.
 *
 * KEYS: 1 tat (theoretical arrival time, µs), 2 pause-until (ms, set after a 429 or low remaining),
 *       3 daily-blocked-until (ms), 4 learned limits hash {max, intervalMs}, 5 daily counter,
 *       6 record tat (µs), 7 sync-seen marker
 * ARGV: 1 default max, 2 default intervalMs, 3 safety margin (0..1), 4 burst (requests),
 *       5 maxWait (ms), 6 daily limit (0 = off), 7 ms until the next UTC midnight,
 *       8 class (0 sync | 1 record), 9 record share (0..1], 10 sync window (ms)
 * Returns {granted (1|0), waitMs, reason (0 ok | 1 burst | 2 paused | 3 daily | 4 record share),
 *          Redis now (ms), record share in force (1|0)}.
 */
export const ACQUIRE_LUA = `
local t = redis.call('TIME')
local nowUs = tonumber(t[1]) * 1000000 + tonumber(t[2])
local nowMs = math.floor(nowUs / 1000)

local dailyUntil = tonumber(redis.call('GET', KEYS[3]) or '0')
if dailyUntil > nowMs then return {0, dailyUntil - nowMs, 3, nowMs, 0} end

local class = tonumber(ARGV[8])
local share = tonumber(ARGV[9])
-- A sync asking (granted or not) is a sync running: its share must hold from its first request.
-- Only marked when a share is in force (share 1 reads no mark): no write per request for nothing.
if class == 0 and share < 1 then redis.call('SET', KEYS[7], nowMs, 'PX', tonumber(ARGV[10])) end
local capped = class == 1 and share < 1 and redis.call('EXISTS', KEYS[7]) == 1

local margin = tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local maxWait = tonumber(ARGV[5])
local dailyLimit = tonumber(ARGV[6])

-- GCRA lets allowed + burst + 1 requests into any window; subtract them so the worst case stays
-- within max * (1 - margin), leaving the margin for clock jitter and other clients.
local function emission(max, intervalMs)
  local allowed = math.max(1, math.floor(max * (1 - margin)) - burst - 1)
  return math.floor(intervalMs * 1000 / allowed)
end
local intervalMs = tonumber(ARGV[2])
local emissionUs = emission(tonumber(ARGV[1]), intervalMs)
-- Limits learned from headers only ever tighten the configured ones: a looser X-RateLimit-Max
-- (another plan, a sandbox reporting a disabled limit as 1e9) must not lift our own ceiling.
local learned = redis.call('HMGET', KEYS[4], 'max', 'intervalMs')
if learned[1] and learned[2] then
  local learnedUs = emission(tonumber(learned[1]), tonumber(learned[2]))
  if learnedUs > emissionUs then
    emissionUs = learnedUs
    intervalMs = math.max(intervalMs, tonumber(learned[2]))
  end
end
local toleranceUs = emissionUs * burst

local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local pauseUs = tonumber(redis.call('GET', KEYS[2]) or '0') * 1000
local at = math.max(tat - toleranceUs, nowUs, pauseUs)
local waitMs = math.ceil((at - nowUs) / 1000)
if waitMs > maxWait then
  local reason = 1
  if pauseUs > nowUs then reason = 2 end
  return {0, waitMs, reason, nowMs, capped and 1 or 0}
end

local recordEmissionUs = 0
local recordTat = 0
if capped then
  recordEmissionUs = math.floor(emissionUs / share)
  recordTat = tonumber(redis.call('GET', KEYS[6]) or '0')
  local recordAt = recordTat - recordEmissionUs * burst
  if recordAt > at then return {0, math.ceil((recordAt - nowUs) / 1000), 4, nowMs, 1} end
end

if dailyLimit > 0 then
  local used = redis.call('INCR', KEYS[5])
  if used == 1 then redis.call('PEXPIRE', KEYS[5], tonumber(ARGV[7])) end
  if used > dailyLimit then
    local untilMs = nowMs + tonumber(ARGV[7])
    redis.call('SET', KEYS[3], untilMs, 'PX', tonumber(ARGV[7]))
    return {0, tonumber(ARGV[7]), 3, nowMs, 0}
  end
end

local newTat = math.max(tat, at) + emissionUs
redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - nowUs) / 1000) + intervalMs)
if capped then
  local newRecordTat = math.max(recordTat, at) + recordEmissionUs
  redis.call('SET', KEYS[6], string.format('%.0f', newRecordTat), 'PX', math.ceil((newRecordTat - nowUs) / 1000) + intervalMs)
end
return {1, waitMs, 0, nowMs, capped and 1 or 0}
`;

/**
 * Feeds back a response. KEYS: 1 pause-until, 2 daily-blocked-until, 3 learned limits.
 * ARGV: 1 pause for (ms, 0 = none), 2 daily block for (ms, 0 = none), 3 learned max (0 = unknown),
 *       4 learned intervalMs (0 = unknown)
 * A pause only ever extends: two workers reporting the same 429 do not shorten each other's wait.
 * Returns {Redis now (ms), pause-until (ms, 0 = none)}.
 */
export const OBSERVE_LUA = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local pauseFor = tonumber(ARGV[1])
local pausedUntil = 0
if pauseFor > 0 then
  local untilMs = nowMs + pauseFor
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if untilMs > current then redis.call('SET', KEYS[1], untilMs, 'PX', pauseFor + 1000) end
  pausedUntil = math.max(untilMs, current)
end
local dailyFor = tonumber(ARGV[2])
if dailyFor > 0 then redis.call('SET', KEYS[2], nowMs + dailyFor, 'PX', dailyFor) end
local max = tonumber(ARGV[3])
local intervalMs = tonumber(ARGV[4])
if max > 0 and intervalMs > 0 then
  redis.call('HSET', KEYS[3], 'max', max, 'intervalMs', intervalMs)
  redis.call('PEXPIRE', KEYS[3], 86400000)
end
return {nowMs, pausedUntil}
`;

/**
 * Milliseconds the location stays paused (0 when not paused), by Redis's clock like the pause itself.
 * KEYS: 1 pause-until (ms). Returns {pause left (ms), Redis now (ms)}.
 */
export const PAUSE_LEFT_LUA = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = tonumber(redis.call('GET', KEYS[1]) or '0')
return {math.max(0, untilMs - nowMs), nowMs}
`;
