-- report.lua: the done() hook every scenario script loads last.  It
-- prints one machine-readable line that tests/bench/run parses, beside
-- wrk's own human-readable summary.  Latencies are in microseconds in
-- wrk; the line gives milliseconds.

function done(summary, latency, requests)
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format("XV_RESULT requests=%d duration_s=%.3f "
	    .. "rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f "
	    .. "mean_ms=%.3f err_connect=%d err_read=%d err_write=%d "
	    .. "err_timeout=%d err_status=%d\n",
	    summary.requests, secs, summary.requests / secs,
	    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
	    latency:percentile(99) / 1000, latency.max / 1000,
	    latency.mean / 1000, e.connect, e.read, e.write, e.timeout,
	    e.status))
end
