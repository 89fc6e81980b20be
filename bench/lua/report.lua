-- wrk: shared by the scripts; `done` prints one JSON line with the counts and the latency
-- percentiles (µs), which bench/load.py reads. A script may define spare_requests() (requests
-- refused by design, not failures) and elapsed_us() (the run's length when it ended before -d).
function done(summary, latency, requests)
  local errors = summary.errors
  local spare = spare_requests and spare_requests() or 0
  local duration = elapsed_us and elapsed_us() or summary.duration
  io.write(string.format(
    'BENCH {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p99_us": %d, "spare": %d}\n',
    summary.requests, duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(99), spare))
end
