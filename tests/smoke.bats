#!/usr/bin/env bats
# smoke.bats: the stack answers, with the headers every response carries.
load helpers

@test "healthz answers 200 with the database up" {
	api GET /healthz
	[ "$status_code" = 200 ]
	[ "$(echo "$body" | jq -r .status)" = ok ]
}

@test "every response carries nosniff, no-store and a request id" {
	api GET /system/tenants
	[ "$(header X-Content-Type-Options)" = nosniff ]
	[ "$(header Cache-Control)" = no-store ]
	[ -n "$(header X-Request-Id)" ]
}
