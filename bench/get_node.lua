-- wrk script: authenticated GET of one territory node. Env: LINLI_TOKEN.
function init(args)
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("LINLI_TOKEN")
end

function done(summary, latency, requests)
  io.write(string.format("non2xx_or_errors %d\n", summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
