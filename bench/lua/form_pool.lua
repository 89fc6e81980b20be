-- wrk: POST each form of the file BENCH_POOL once (one form a line: single-use authorization
-- codes), with HTTP Basic client authentication (BENCH_AUTH). Each thread takes every n-th line
-- and stops when it has sent its share, noting how long that took (wrk's own duration is always
-- the -d given); the answers still on their way then are not counted. Its last request goes to
-- a path that does not exist (never a used code again: reuse revokes the whole grant); those 404
-- answers are reported apart.
dofile(os.getenv("BENCH_LUA") .. "/report.lua")
local threads = {}

local function now_us()
  local clock = io.popen("date +%s%6N")
  local value = tonumber(clock:read("*l"))
  clock:close()
  return value
end

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  forms = {}
  local index = 0
  local total = tonumber(os.getenv("BENCH_THREADS"))
  for line in io.lines(os.getenv("BENCH_POOL")) do
    if index % total == number then table.insert(forms, line) end
    index = index + 1
  end
  next_form = 1
  spare = 0
  started_us = now_us()
end

function request()
  local form = forms[next_form]
  next_form = next_form + 1
  if form == nil then
    if next_form == #forms + 2 then
      wrk.thread:set("finished_after_us", now_us() - started_us)
      wrk.thread:stop()
    end
    return wrk.format("GET", "/spare-request")
  end
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Authorization"] = os.getenv("BENCH_AUTH")}, form)
end

function response(status, headers, body)
  if status == 404 then
    spare = spare + 1
    wrk.thread:set("spare", spare)
  end
end

function spare_requests()
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("spare") or 0) end
  return total
end

-- How long the threads took to send their shares (µs), or nil if one ran out of time first.
function elapsed_us()
  local longest = 0
  for _, thread in ipairs(threads) do
    local elapsed = thread:get("finished_after_us")
    if elapsed == nil then return nil end
    longest = math.max(longest, elapsed)
  end
  return longest
end
