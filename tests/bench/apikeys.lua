-- apikeys.lua: scenario "apikeys": GET /admin/api-keys (the tenant's
-- keys, one page) authenticated by an API key with the read and admin
-- scopes in X-API-Key.  Every request looks the key up by its keyed
-- digest and counts one use, as in production.  tests/bench/run exports
-- the key.

wrk.method = "GET"
wrk.path = "/admin/api-keys"
wrk.headers["X-API-Key"] = os.getenv("XV_BENCH_API_KEY")

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
