#!/usr/bin/env bats
# browser_oidc.bats: the browser flow of API.md section 8 in a real
# browser (Debian's chromium, headless, driven by playwright-core:
# tests/browser/oidc.js): a public client with PKCE signs a user in,
# with a TOTP enrollment when the tenant requires MFA, gets tokens,
# authorizes again without the form, refreshes, and sees a reused
# refresh token revoked.
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
