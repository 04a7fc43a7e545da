-- wrk script: the mixed workload of an office day (issue 7, item 5), one community staff member's
-- token on every request, in these proportions:
--   60% reads   GET /api/v1/orders/{id} (30%) and GET /api/v1/residents/{id} (30%), ids in scope
--   15% search  residents by surname (8%), their count (2%), open orders by state (5%)
--   15% writes  POST /api/v1/orders: staff intake, durable, audited, dispatched at once
--   10% stats   GET /api/v1/orders/stats by category (5%) and by grid (5%)
-- Env: LINLI_TOKEN, LINLI_IDS (a file of "order <id>" / "resident <id>" lines), LINLI_PLACE (a
-- building in scope), LINLI_CATEGORY (a category id).
-- Prints per-class request counts and per-status response counts after wrk's own summary.
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local orders, residents = {}, {}
local surnames = { "%E7%8E%8B", "%E6%9D%8E", "%E5%BC%A0", "%E5%88%98", "%E9%99%88", "%E6%9D%A8", "%E8%B5%B5" }
local states = { "dispatched", "in_progress", "accepted", "replied" }
local auth, place, category
local counter = 0
classes = { read = 0, search = 0, write = 0, stats = 0 }
statuses = {}

function init(args)
  auth = "Bearer " .. os.getenv("LINLI_TOKEN")
  place = os.getenv("LINLI_PLACE")
  category = os.getenv("LINLI_CATEGORY")
  for line in io.lines(os.getenv("LINLI_IDS")) do
    local kind, id = line:match("^(%a+) (%d+)$")
    if kind == "order" then
      table.insert(orders, id)
    elseif kind == "resident" then
      table.insert(residents, id)
    end
  end
  math.randomseed(os.time() + tid * 7919)
end

local function get(path)
  return wrk.format("GET", path, { ["Authorization"] = auth })
end

function request()
  local r = math.random(100)
  if r <= 30 then
    classes.read = classes.read + 1
    return get("/api/v1/orders/" .. orders[math.random(#orders)])
  elseif r <= 60 then
    classes.read = classes.read + 1
    return get("/api/v1/residents/" .. residents[math.random(#residents)])
  elseif r <= 68 then
    classes.search = classes.search + 1
    return get("/api/v1/residents?q=" .. surnames[math.random(#surnames)] .. "&limit=20")
  elseif r <= 70 then
    classes.search = classes.search + 1
    return get("/api/v1/residents/count?q=" .. surnames[math.random(#surnames)])
  elseif r <= 75 then
    classes.search = classes.search + 1
    return get("/api/v1/orders?state=" .. states[math.random(#states)] .. "&limit=20")
  elseif r <= 90 then
    classes.write = classes.write + 1
    counter = counter + 1
    local body = string.format('{"kind":"request","category_id":%s,"title":"楼道灯不亮 %d-%d",' ..
      '"description":"3楼到5楼的楼道灯坏了","place_id":%s,"reporter_name":"王阿姨",' ..
      '"reporter_phone":"13812345678","channel":"phone"}', category, tid, counter, place)
    return wrk.format("POST", "/api/v1/orders",
      { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, body)
  elseif r <= 95 then
    classes.stats = classes.stats + 1
    return get("/api/v1/orders/stats?group_by=category")
  else
    classes.stats = classes.stats + 1
    return get("/api/v1/orders/stats?group_by=grid")
  end
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local c = { read = 0, search = 0, write = 0, stats = 0 }
  local s = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("classes")) do
      c[k] = c[k] + v
    end
    for k, v in pairs(t:get("statuses")) do
      s[k] = (s[k] or 0) + v
    end
  end
  for _, k in ipairs({ "read", "search", "write", "stats" }) do
    io.write(string.format("class_%s %d\n", k, c[k]))
  end
  for k, v in pairs(s) do
    io.write(string.format("status_%d %d\n", k, v))
  end
  io.write(string.format("p95_ms %.2f\n", latency:percentile(95) / 1000.0))
  io.write(string.format("non2xx_or_errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
  io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
