-- introspect.lua: scenario "introspect": POST /oauth/introspect
-- (RFC 7662) by the confidential client (HTTP Basic), each request with
-- the next of the distinct access tokens in $XV_BENCH_TOKENS (one a
-- line; tests/bench/run mints them with mint.lua).  Each thread builds
-- every request once in init() and cycles through them, starting at its
-- own share of the list, so that two threads do not send the same token
-- at the same time.  With many more tokens than oauth.fcgi's cache of
-- verified signatures holds, nearly every request verifies an ES256
-- signature afresh.

local path = os.getenv("XV_BENCH_TOKENS")
local nthreads = tonumber(os.getenv("XV_BENCH_NTHREADS") or "1")
local threads = 0

wrk.method = "POST"
wrk.path = "/oauth/introspect"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("XV_BENCH_BASIC")

function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local reqs, n, i = {}, 0, 0

function init(args)
	for tok in io.lines(path) do
		n = n + 1
		reqs[n] = wrk.format(nil, nil, nil, "token=" .. tok)
	end
	assert(n > 0, "no tokens in " .. path)
	i = math.floor((id - 1) * n / nthreads)
end

function request()
	i = i % n + 1
	return reqs[i]
end

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
