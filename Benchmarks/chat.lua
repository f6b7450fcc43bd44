-- wrk script: POST an OpenAI chat request; BODY and AUTH come from the environment.
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer " .. os.getenv("AUTH")

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d errors=%d\n",
    summary.requests / seconds, latency:percentile(50), latency:percentile(99), summary.requests, errors))
end
