#!/usr/bin/env bats
# browser_invite.bats: an invitee in a real browser (Debian's chromium,
# headless, driven by playwright-core: tests/browser/).  The link comes
# from the mail the stack's SMTP sink received; the page takes a weak
# password first and names each broken rule, then a good one; the new
# user then logs in.  Other browser tests: a script in tests/browser/
# using lib/browser.js, run from a suite like this one.

load helpers
load invitations_helpers

setup_file() {
	xv_browser_deps
}

# browser SCRIPT ARGS...: runs tests/browser/SCRIPT with node.
browser() {
	(cd "$XV_SRC/tests/browser" && node "$@")
}

@test "an invitee opens the mailed link in chromium, fails the policy, then signs up and logs in" {
	local T e f link
	T=$(provision "$(uniq_slug invw)")
	e=$(addr)
	invite "$T" "$e" '["user","editor"]'
	status_is 201
	f=$(mail_wait "$e")
	link=$(mail_link "$f")
	run browser invite.js "$link" 'Browser-Passw0rd!'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *ok ]]
	login "$T" "$e" 'Browser-Passw0rd!'
	status_is 200
	api GET /auth/me -H "Authorization: Bearer $(printf '%s' "$body" | jq -r .access_token)"
	status_is 200
	printf '%s' "$body" | jq -e --arg e "$e" '.email == $e and .display_name == "Browser User" and .roles == ["user","editor"]'
}
