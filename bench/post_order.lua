-- wrk script: durable staff intake — each request records one work order (accepted and dispatched
-- to the grid worker at once). Env: LINLI_TOKEN (a community staff member's bearer token),
-- LINLI_PLACE (a building in their community), LINLI_CATEGORY (a category id).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_TOKEN")
end

function request()
  counter = counter + 1
  local body = string.format('{"kind":"request","category_id":%s,"title":"楼道灯不亮 %s-%d",' ..
    '"description":"3楼到5楼的楼道灯坏了","place_id":%s,"reporter_name":"王阿姨",' ..
    '"reporter_phone":"13812345678","channel":"phone"}',
    os.getenv("LINLI_CATEGORY"), tostring(tid), counter, os.getenv("LINLI_PLACE"))
  return wrk.format(nil, "/api/v1/orders", nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("p95_ms %.2f\n", latency:percentile(95) / 1000.0))
  io.write(string.format("non2xx_or_errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
