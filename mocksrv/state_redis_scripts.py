"""The Lua scripts the Redis store runs: each is one round trip, atomic with many writers."""

from __future__ import annotations


def trim_oldest(bound: str, forget: str) -> str:
    """Lua that keeps the sorted set KEYS[2] (scored by use) at `bound` members: the least
    recently used go, and `forget` (Lua, given `old`) drops what each one named."""
    return f"""local excess = redis.call('ZCARD', KEYS[2]) - tonumber({bound})
if excess > 0 then
  for _, old in ipairs(redis.call('ZPOPMIN', KEYS[2], excess)) do
    {forget}
  end
end"""


# The position, the use and the bound agree.
ADVANCE = f"""
local position = redis.call('HINCRBY', KEYS[1], ARGV[1], 1) - 1
local used = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[2], used, ARGV[1])
{trim_oldest("ARGV[2]", "redis.call('HDEL', KEYS[1], old)")}
return position
"""

# Only the advance that returned ARGV[2] is undone: a later one keeps its reply.
GIVE_BACK = """
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1') == tonumber(ARGV[2]) + 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
"""

# The id and the list order agree.
JOURNAL_ADD = """
local id = redis.call('INCR', KEYS[2])
redis.call('RPUSH', KEYS[1], id .. ' ' .. ARGV[1])
redis.call('LTRIM', KEYS[1], -tonumber(ARGV[2]), -1)
return id
"""

# The record, its place in the write order and the bound agree.
RECORD_PUT = f"""
local used = redis.call('INCR', KEYS[3])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], used, ARGV[1])
{trim_oldest("ARGV[3]", "redis.call('HDEL', KEYS[1], old)")}
return used
"""

# KEYS: totals hash, keys sorted set, use counter; ARGV: key prefix, key, bound, name, amount...
TALLY_ADD = f"""
local used = redis.call('INCR', KEYS[3])
for i = 4, #ARGV, 2 do
  redis.call('HINCRBYFLOAT', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('ZADD', KEYS[2], used, ARGV[2])
{trim_oldest("ARGV[3]", "redis.call('DEL', ARGV[1] .. old)")}
return redis.call('HGETALL', KEYS[1])
"""
