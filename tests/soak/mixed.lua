-- mixed.lua: tests/soak/run's load, a cycle of 20 requests through
-- every program, as their clients send them:
--   6  GET  /admin/tenants/{id}/settings      admin JWT       tenants
--   4  POST /oauth/token                      client_credentials, Basic
--   3  POST /oauth/introspect                 a token, Basic  oauth
--   3  GET  /admin/api-keys?limit=5           X-API-Key       apikeys
--   2  GET  /auth/me                          a login token   auth
--   1  GET  /admin/users?limit=5              admin JWT       auth
--   1  PUT  /admin/tenants/{id}/settings, or (every other cycle) a
--      malformed JSON body to POST /admin/api-keys (400)
-- Each thread stops after $XV_SOAK_QUOTA answers and then makes the
-- file $XV_SOAK_OUT/done.THREAD: wrk itself runs for its whole -d, so
-- the script interrupts it (SIGINT) once every thread is done.  done()
-- prints one line, "XV_SOAK requests=N status:CODE=N...", which the
-- script checks.

local env = os.getenv
local tid, jwt = env("XV_SOAK_TENANT"), env("XV_SOAK_JWT")
local basic, key = env("XV_SOAK_BASIC"), env("XV_SOAK_KEY")
local token, user = env("XV_SOAK_TOKEN"), env("XV_SOAK_USER")
local quota, out = tonumber(env("XV_SOAK_QUOTA")), env("XV_SOAK_OUT")
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("tnum", #threads)
end

local admin = { ["Authorization"] = "Bearer " .. jwt, ["X-Tenant-ID"] = tid }
local adminj = { ["Authorization"] = "Bearer " .. jwt, ["X-Tenant-ID"] = tid,
    ["Content-Type"] = "application/json" }
local client = { ["Authorization"] = "Basic " .. basic,
    ["Content-Type"] = "application/x-www-form-urlencoded" }
local bykey = { ["X-API-Key"] = key }
local asuser = { ["Authorization"] = "Bearer " .. user }
local settings = "/admin/tenants/" .. tid .. "/settings"
local reqs, put, bad

-- The requests, made once wrk has set the Host header.
function init(args)
	local introspect = "token=" .. token
	reqs = {}
	for i = 1, 6 do reqs[#reqs + 1] = wrk.format("GET", settings, admin) end
	for i = 1, 4 do
		reqs[#reqs + 1] = wrk.format("POST", "/oauth/token", client,
		    "grant_type=client_credentials")
	end
	for i = 1, 3 do
		reqs[#reqs + 1] = wrk.format("POST", "/oauth/introspect", client,
		    introspect)
	end
	for i = 1, 3 do
		reqs[#reqs + 1] = wrk.format("GET", "/admin/api-keys?limit=5", bykey)
	end
	for i = 1, 2 do reqs[#reqs + 1] = wrk.format("GET", "/auth/me", asuser) end
	reqs[#reqs + 1] = wrk.format("GET", "/admin/users?limit=5", admin)
	put = wrk.format("PUT", settings, adminj, '{"session_timeout_minutes":30}')
	bad = wrk.format("POST", "/admin/api-keys", adminj,
	    '{"name": "x", "scopes": [')
end

local n, answered = 0, 0
statuses = {}

function request()
	n = n + 1
	local i = (n - 1) % 20 + 1
	if i <= #reqs then return reqs[i] end
	if math.floor(n / 20) % 2 == 0 then return put end
	return bad
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
	answered = answered + 1
	if answered == quota then
		io.open(out .. "/done." .. tnum, "w"):close()
		wrk.thread:stop()
	end
end

function done(summary, latency, requests)
	local st, s = {}, ""
	for _, thread in ipairs(threads) do
		for k, v in pairs(thread:get("statuses")) do st[k] = (st[k] or 0) + v end
	end
	for k, v in pairs(st) do s = s .. " status:" .. k .. "=" .. v end
	io.write(string.format("XV_SOAK requests=%d seconds=%.1f rps=%.0f "
	    .. "p99_ms=%.1f err_connect=%d err_read=%d err_timeout=%d%s\n",
	    summary.requests, summary.duration / 1e6,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(99) / 1000, summary.errors.connect,
	    summary.errors.read, summary.errors.timeout, s))
end
