-- mint.lua: not a scenario; tests/bench/run uses it to mint the access
-- tokens the "introspect" scenario introspects.  It sends the requests of
-- token.lua, and each thread writes the access_token of every 200 answer,
-- one a line, to $XV_BENCH_MINT_OUT.<thread number>.

dofile(os.getenv("XV_BENCH_DIR") .. "/token.lua")

local out = os.getenv("XV_BENCH_MINT_OUT")
local threads = 0

function setup(thread)
	threads = threads + 1
	thread:set("id", threads)
end

function init(args)
	file = assert(io.open(out .. "." .. id, "w"))
	file:setvbuf("line")
end

function response(status, headers, body)
	if status == 200 then
		local tok = body:match('"access_token"%s*:%s*"([^"]+)"')
		if tok then
			file:write(tok, "\n")
		end
	end
end

function done(summary, latency, requests)
	io.write(string.format("minted: %d answers in %.1f s\n",
	    summary.requests, summary.duration / 1e6))
end
