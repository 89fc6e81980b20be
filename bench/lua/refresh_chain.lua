-- wrk: refresh tokens that rotate. The file BENCH_POOL holds refresh tokens, one a line, at
-- least one per connection; each answer's new refresh token is used by a later request, so every
-- connection keeps a chain of single-use tokens going. HTTP Basic client authentication
-- (BENCH_AUTH). A thread whose tokens run out (refused refreshes) stops.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local threads = {}

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  tokens = {}
  local index = 0
  local total = tonumber(os.getenv("BENCH_THREADS"))
  for line in io.lines(os.getenv("BENCH_POOL")) do
    if index % total == number then table.insert(tokens, line) end
    index = index + 1
  end
end

function request()
  local token = table.remove(tokens, 1)
  if token == nil then
    wrk.thread:stop()
    token = "exhausted"
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = os.getenv("BENCH_AUTH")},
    "grant_type=refresh_token&refresh_token=" .. token)
end

function response(status, headers, body)
  local token = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
  if token then table.insert(tokens, token) end
end
