-- token.lua: scenario "token": POST /oauth/token, the client_credentials
-- grant of a confidential client authenticated with HTTP Basic
-- (client_secret_basic).  tests/bench/run exports the Authorization
-- header's value.  No scope is asked for, so the token carries all the
-- client's scopes ("read write"); nothing is written to the database.

wrk.method = "POST"
wrk.path = "/oauth/token"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("XV_BENCH_BASIC")
wrk.body = os.getenv("XV_BENCH_TOKEN_BODY") or "grant_type=client_credentials"

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
