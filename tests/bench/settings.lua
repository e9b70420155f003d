-- settings.lua: scenario "settings": GET /admin/tenants/{id}/settings
-- as the tenant's admin (ES256 bearer JWT and X-Tenant-ID).  tests/bench/run
-- exports the tenant and the token.

local tid = os.getenv("XV_BENCH_TENANT")
local jwt = os.getenv("XV_BENCH_JWT")

wrk.method = "GET"
wrk.path = "/admin/tenants/" .. tid .. "/settings"
wrk.headers["Authorization"] = "Bearer " .. jwt
wrk.headers["X-Tenant-ID"] = tid

dofile(os.getenv("XV_BENCH_DIR") .. "/report.lua")
