-- wrk script: authenticated durable writes — each request creates one household node.
-- Env: LINLI_TOKEN (bearer), LINLI_PARENT (a unit node id).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(tid) or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_TOKEN")
end

function request()
  counter = counter + 1
  local body = string.format('{"parent_id":%s,"kind":"household","name":"bench-%d-%d-%d"}',
    os.getenv("LINLI_PARENT"), os.time(), thread_id, counter)
  return wrk.format(nil, "/api/v1/territory/nodes", nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("non2xx_or_errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
