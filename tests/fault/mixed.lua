-- mixed.lua: tests/fault/run's load.  Each thread alternates a write
-- (POST /admin/api-keys, a key named fault-THREAD-N) and a read (GET
-- the tenant's settings), as the tenant's admin.  Every 201 appends the
-- new key's id to $XV_FAULT_OUT/ids.THREAD: the writes the server
-- acknowledged, which must all be in the database afterwards.  Any
-- answer but 200 and 201 must be a non-empty JSON problem; each that is
-- not goes to $XV_FAULT_OUT/bad.THREAD.  done() prints one line,
--   XV_FAULT requests=N ok=N created=N problems=N bad=N status:CODE=N...
-- which the script parses.

local tid = os.getenv("XV_FAULT_TENANT")
local jwt = os.getenv("XV_FAULT_JWT")
local out = os.getenv("XV_FAULT_OUT")
local threads = {}
local nthreads = 0

function setup(thread)
	nthreads = nthreads + 1
	thread:set("tnum", nthreads)
	table.insert(threads, thread)
end

local n = 0
local ids, bad
counts = { ok = 0, created = 0, problems = 0, bad = 0 }
statuses = {}

function init(args)
	ids = io.open(out .. "/ids." .. tnum, "a")
	ids:setvbuf("line")
	bad = io.open(out .. "/bad." .. tnum, "a")
	bad:setvbuf("line")
end

local hdr = {
	["Authorization"] = "Bearer " .. jwt,
	["X-Tenant-ID"] = tid,
	["Content-Type"] = "application/json",
}

function request()
	n = n + 1
	if n % 2 == 0 then
		return wrk.format("POST", "/admin/api-keys", hdr,
		    '{"name":"fault-' .. tnum .. '-' .. n .. '","scopes":["read"]}')
	end
	return wrk.format("GET", "/admin/tenants/" .. tid .. "/settings", hdr)
end

function response(status, headers, body)
	statuses[status] = (statuses[status] or 0) + 1
	if status == 200 then
		counts.ok = counts.ok + 1
	elseif status == 201 then
		local id = string.match(body, '"id"%s*:%s*"([0-9a-f-]+)"')
		if id then
			counts.created = counts.created + 1
			ids:write(id, "\n")
		else
			counts.bad = counts.bad + 1
			bad:write(status, " no id: ", body, "\n")
		end
	elseif body ~= nil and string.match(body, '^%s*{') and
	    string.match(body, '"status"%s*:%s*' .. status) then
		counts.problems = counts.problems + 1
	else
		counts.bad = counts.bad + 1
		bad:write(status, " ", string.sub(body or "(none)", 1, 200), "\n")
	end
end

function done(summary, latency, requests)
	local t = { ok = 0, created = 0, problems = 0, bad = 0 }
	local st = {}
	for _, thread in ipairs(threads) do
		local c = thread:get("counts")
		for k, v in pairs(c) do t[k] = t[k] + v end
		for k, v in pairs(thread:get("statuses")) do
			st[k] = (st[k] or 0) + v
		end
	end
	local s = ""
	for k, v in pairs(st) do s = s .. " status:" .. k .. "=" .. v end
	io.write(string.format("XV_FAULT requests=%d ok=%d created=%d "
	    .. "problems=%d bad=%d err_connect=%d err_read=%d err_timeout=%d%s\n",
	    summary.requests, t.ok, t.created, t.problems, t.bad,
	    summary.errors.connect, summary.errors.read,
	    summary.errors.timeout, s))
end
