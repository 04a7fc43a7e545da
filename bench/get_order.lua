-- wrk script: authenticated GET /api/v1/orders/{id} of random orders among the first LINLI_MAX_ID.
-- Env: LINLI_TOKEN, LINLI_MAX_ID.
local max_id = 1

function init(args)
  max_id = tonumber(os.getenv("LINLI_MAX_ID")) or 1
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_TOKEN")
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  return wrk.format("GET", "/api/v1/orders/" .. math.random(1, max_id))
end

function done(summary, latency, requests)
  io.write(string.format("p95_ms %.2f\n", latency:percentile(95) / 1000.0))
  io.write(string.format("non2xx_or_errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
