-- refresh.lua: scenario "refresh": POST /auth/refresh, each request with
-- a refresh token never used before.  The tokens come from logins made
-- just before the run (XV_BENCH_REFRESH_FILE, one a line, each of a
-- session of its own); each thread takes its share, at least two per
-- connection, and keeps them in a queue: a request takes the oldest,
-- its answer's new refresh token (rotation) goes to the back.  A token
-- is thus presented once, never again (which would end its session:
-- reuse detection), and every request is a full rotation: the old
-- token's row, the session's, a new pair signed.

local nthreads = tonumber(os.getenv("XV_BENCH_NTHREADS") or "1")
local file = os.getenv("XV_BENCH_REFRESH_FILE")
local threads = 0

wrk.method = "POST"
wrk.path = "/auth/refresh"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Tenant-ID"] = os.getenv("XV_BENCH_TENANT")

function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

local q, head, tail = {}, 1, 0

function init(args)
	local k = 0
	for line in io.lines(file) do
		if k % nthreads == id - 1 then
			tail = tail + 1
			q[tail] = line
		end
		k = k + 1
	end
end

function request()
	local t = q[head]
	if t == nil then
		-- Every token is in flight: should not happen with two a
		-- connection; a request without one is refused and counted.
		return wrk.format(nil, nil, nil, '{"refresh_token":""}')
	end
	q[head] = nil
	head = head + 1
	return wrk.format(nil, nil, nil, '{"refresh_token":"' .. t .. '"}')
end

function response(status, headers, body)
	local t = body and body:match('"refresh_token"%s*:%s*"([^"]+)"')
	if t then
		tail = tail + 1
		q[tail] = t
	end
end

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
