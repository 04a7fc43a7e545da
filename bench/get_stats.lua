-- wrk script: authenticated GET of work-order statistics. Env: LINLI_TOKEN.
-- Prints the 95th percentile latency (wrk's --latency shows 50/75/90/99 only) and the errors.
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_TOKEN")
end

function done(summary, latency, requests)
  io.write(string.format("p95_ms %.2f\n", latency:percentile(95) / 1000.0))
  io.write(string.format("non2xx_or_errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
