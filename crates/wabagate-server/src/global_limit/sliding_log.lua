-- One account's sliding log in Redis, checked and updated atomically (a script runs alone).
-- The same rule as rate_limit.rs, on Redis's clock so every instance agrees on "now":
-- a request is admitted while fewer than LIMIT requests were admitted in the last WINDOW.
--
-- KEYS[1]  the account's log: a sorted set of admitted requests scored by admission time (us)
-- ARGV[1]  LIMIT, requests per window
-- ARGV[2]  WINDOW, in microseconds
-- ARGV[3]  a member unique to this request (two instances may admit in the same microsecond)
--
-- Returns 0 when admitted, else the microseconds until the oldest admitted request leaves
-- the window (the Retry-After).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])

-- Lua turns numbers into strings with 14 significant digits; a time in microseconds has 16.
local function exact(number)
  return string.format('%d', number)
end

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', exact(now - window))
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], exact(now), ARGV[3])
  -- The log outlives its newest entry by one window, then Redis forgets the account.
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return 0
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
return oldest + window - now
