-- me.lua: scenario "me": GET /auth/me with a user's login access token
-- (no X-Tenant-ID: the token names the tenant).  Each request verifies
-- the token, asks PostgreSQL whether its session holds
-- (xv_session_alive: not ended, not idle past the tenant's timeout) and
-- reads the user.  tests/bench/run exports the token.

wrk.method = "GET"
wrk.path = "/auth/me"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("XV_BENCH_LOGIN_JWT")

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
