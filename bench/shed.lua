-- wrk script: authenticated GETs of one path, counting answers by status, for the load-shedding run
-- of bench/run-load-bench (many more connections than server.max_inflight: 503s are expected there,
-- and none afterwards). Env: LINLI_TOKEN.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_TOKEN")
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local s = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do
      s[k] = (s[k] or 0) + v
    end
  end
  for k, v in pairs(s) do
    io.write(string.format("status_%d %d\n", k, v))
  end
  io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
