-- requests.lua -- wrk sends pre-built requests, one file per wrk thread.
--
--   wrk -t T -c C -d 5s -s bench/requests.lua URL -- FILE [once]
--
-- Thread n reads FILE.n (requests written by bench/reqgen, each ended by
-- a NUL byte) and sends them in order, each once; run out, it starts over
-- and counts a wrap, so a row that needs every request new can tell that
-- it was not.  With "once" a thread stops when it has had an answer to
-- each of its requests (a fixed amount of work instead of a fixed time).
-- The summary is one line the benchmark parses:
--   RESULT requests= seconds= rps= p50_ms= p99_ms= errors= non2xx= wraps=

local threads = {}
local count = 0

function setup(thread)
	thread:set("id", count)
	count = count + 1
	table.insert(threads, thread)
end

function init(args)
	local f = assert(io.open(args[1] .. "." .. id, "rb"))
	local data = f:read("*a")
	f:close()
	reqs = {}
	for r in data:gmatch("([^%z]+)%z") do
		reqs[#reqs + 1] = r
	end
	sent = 0
	answered = 0
	wraps = 0
	if args[2] == "once" then
		response = function(status, headers, body)
			answered = answered + 1
			if answered >= #reqs then
				wrk.thread:stop()
			end
		end
	end
end

function request()
	sent = sent + 1
	if sent > #reqs then
		sent = 1
		wraps = wraps + 1
	end
	return reqs[sent]
end

function done(summary, latency, requests)
	local w = 0
	for _, t in ipairs(threads) do
		w = w + t:get("wraps")
	end
	local e = summary.errors
	local secs = summary.duration / 1e6
	io.write(string.format("RESULT requests=%d seconds=%.3f rps=%.1f " ..
	    "p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d wraps=%d\n",
	    summary.requests, secs, summary.requests / secs,
	    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
	    e.connect + e.read + e.write + e.timeout, e.status, w))
end
