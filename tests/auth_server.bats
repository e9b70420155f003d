#!/usr/bin/env bats
# auth_server.bats: auth.fcgi through each web server: login, a login
# token through the Authorization header, and a bodyless logout as curl
# sends it, which Apache accepts (lighttpd 1.4.69 wants Content-Length:
# README, Known limits).
load helpers

setup_file() {
	T=$(provision "$(uniq_slug apa)" "Apache auth")
	export T
	curl -sS -X POST "$XV_URL/admin/users" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(admin_token "$T")" -H "X-Tenant-ID: $T" \
	    -d '{"email":"ada@example.com","password":"Secret-Pass1"}' >/dev/null
}

@test "through the web server: login, /auth/me with the token, logout ends it" {
	api POST /auth/login -H "Content-Type: application/json" -H "X-Tenant-ID: $T" \
	    -d '{"email":"ada@example.com","password":"Secret-Pass1"}'
	status_is 200
	tok=$(printf '%s' "$body" | jq -r .access_token)
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 200
	jq_is .email ada@example.com
	cl=(); [ "$XV_SERVER" = lighttpd ] && cl=(-H 'Content-Length: 0')
	api POST /auth/logout -H "Authorization: Bearer $tok" "${cl[@]}"
	status_is 204
	api GET /auth/me -H "Authorization: Bearer $tok"
	status_is 401
}
