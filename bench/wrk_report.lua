-- wrk reporter: after the run, one machine-readable line with what wrk's text
-- output lacks (p95, p99.9 and the error breakdown). Only `done` is defined,
-- so wrk's fast C request path stays in use during the run.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, '
    .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
    .. '"latency_us": {"p50": %d, "p75": %d, "p90": %d, "p95": %d, "p99": %d, "p99.9": %d, '
    .. '"max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(75), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
