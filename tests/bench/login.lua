-- login.lua: scenario "login": POST /auth/login with the right password,
-- each request as the next of XV_BENCH_USERS users (bench-1@bench.test
-- ... bench-N@bench.test, all with the password XV_BENCH_PASSWORD and an
-- Argon2id hash of the current parameters), so that the rate limit (5
-- attempts a minute per address and email) never refuses one: every
-- request is a full login, an Argon2id verification, a session and a
-- signed token pair.  Each thread starts at its own share of the users,
-- moved on by the clock (about 200 users a second), so that the
-- warm-up and the runs that follow it do not reuse the users just used.

local n = tonumber(os.getenv("XV_BENCH_USERS"))
local nthreads = tonumber(os.getenv("XV_BENCH_NTHREADS") or "1")
local pw = os.getenv("XV_BENCH_PASSWORD")
local threads = 0

wrk.method = "POST"
wrk.path = "/auth/login"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant-ID"] = os.getenv("XV_BENCH_TENANT")

function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local i = 0

function init(args)
	i = (os.time() * 200 + math.floor((id - 1) * n / nthreads)) % n
end

function request()
	i = i % n + 1
	return wrk.format(nil, nil, nil, string.format(
	    '{"email":"bench-%d@bench.test","password":"%s"}', i, pw))
end

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
