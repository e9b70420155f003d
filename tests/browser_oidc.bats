#!/usr/bin/env bats
# browser_oidc.bats: the browser flow of API.md section 8 in a real
# browser (Debian's chromium, headless, driven by playwright-core:
# tests/browser/oidc.js): a public client with PKCE signs a user in,
# with a TOTP enrollment when the tenant requires MFA, gets tokens,
# authorizes again without the form, refreshes, and sees a reused
# refresh token revoked.  Then Apache's mod_auth_openidc as a relying
# party (tests/rp/apache-rp.conf, over plain http on loopback: the
# module warns and works, no TLS bridge is needed) signs a user in
# through the same page and passes the claims to a protected page
# (tests/browser/rp.js).
load helpers
load oauth_helpers
load oidc_helpers
# xv_browser_deps and xv_free_port.
. "$XV_SRC/script/lib.sh"

setup_file() {
	xv_browser_deps
}

# The relying party's redirect URI, served by oidc.js on a free port (not
# port 9 of the curl suites, which chromium refuses: ERR_UNSAFE_PORT).
setup() {
	RP=http://127.0.0.1:$(xv_free_port)/cb
}

# browser SCRIPT ARGS...: runs tests/browser/SCRIPT with node.
browser() {
	(cd "$XV_SRC/tests/browser" && node "$@")
}

@test "chromium: a public client with PKCE signs a user in, refreshes, and sees reuse revoked" {
	new_tenant brw
	e=$(addr)
	mkuser "$TENANT_ID" "$e" >/dev/null
	public_client "$TENANT_ID"
	run browser oidc.js "$XV_URL" "$CLIENT_ID" "$RP" "$e" "$PW"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *ok ]]
}

@test "chromium: in a tenant that requires MFA, the page enrolls the user and a TOTP code signs in" {
	new_tenant brwm
	e=$(addr)
	mkuser "$TENANT_ID" "$e" >/dev/null
	public_client "$TENANT_ID"
	api PUT "/admin/tenants/$TENANT_ID/settings" -H "Content-Type: application/json" \
	    -H "Authorization: Bearer $(token)" -H "X-Tenant-ID: $TENANT_ID" -d '{"require_mfa":true}'
	status_is 200
	run browser oidc.js "$XV_URL" "$CLIENT_ID" "$RP" "$e" "$PW"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *ok ]]
}

# rp_start CLIENT_ID SECRET: Apache with mod_auth_openidc as a relying
# party on port RP_PORT (RP_URL), its protected page showing the claims.
rp_start() {
	local def=()
	RP_DIR=$(mktemp -d)
	RP_URL=http://127.0.0.1:$RP_PORT
	mkdir "$RP_DIR/www" "$RP_DIR/www/protected"
	printf '%s\n' '<p>email=<!--#echo var="OIDC_CLAIM_email" --></p>' \
	    '<p>name=<!--#echo var="OIDC_CLAIM_name" --></p>' \
	    '<p>sub=<!--#echo var="OIDC_CLAIM_sub" --></p>' \
	    > "$RP_DIR/www/protected/index.html"
	chmod -R a+rX "$RP_DIR"
	xv_root && { def=(-D RP_AS_ROOT); chown "$XV_SVC" "$RP_DIR"; }
	RP_DIR=$RP_DIR RP_PORT=$RP_PORT RP_USER=$XV_SVC IDP=$XV_URL \
	    RP_CLIENT_ID=$1 RP_CLIENT_SECRET=$2 \
	    RP_PASSPHRASE=$(openssl rand -hex 16) \
	    apache2 -f "$XV_SRC/tests/rp/apache-rp.conf" "${def[@]}" -k start
}
rp_stop() {
	[ -f "$RP_DIR/rp.pid" ] && kill "$(cat "$RP_DIR/rp.pid")"
	sleep 0.2
	rm -rf "$RP_DIR"
}
teardown() {
	if [ -n "${RP_DIR:-}" ]; then rp_stop; fi
}

@test "Apache's mod_auth_openidc, from the discovery URL, signs a user in and passes the claims to a protected page" {
	new_tenant brwrp
	e=$(addr)
	mkuser "$TENANT_ID" "$e" >/dev/null
	RP_PORT=$(xv_free_port)
	new_client "$TENANT_ID" "$ADMIN_JWT" "{\"name\":\"Apache RP\",\"client_type\":\"confidential\",\"grant_types\":[\"authorization_code\"],\"redirect_uris\":[\"http://127.0.0.1:$RP_PORT/protected/redirect_uri\"],\"scopes\":[\"read\"]}"
	rp_start "$CLIENT_ID" "$CLIENT_SECRET"
	run browser rp.js "$RP_URL/protected/index.html" "$e" "$PW"
	echo "$output"
	grep -i "error" "$RP_DIR/rp-error.log" | tail -5 || true
	[ "$status" -eq 0 ]
	[[ "$output" == *ok ]]
}
