// oidc.js ISSUER CLIENT_ID REDIRECT_URI EMAIL PASSWORD: a public client
// with PKCE signs a user in through the sign-in page in chromium (with a
// TOTP enrollment when the page asks for one: codes from Debian's
// oathtool), checks the redirect (code, state, iss), exchanges the code,
// authorizes a second time without the form, refreshes, and sees a
// reused refresh token end the session.  The relying party's redirect
// URI (on a loopback port of its own) is served by this script: a blank
// page.  Prints "ok".
'use strict';

const crypto = require('crypto');
const http = require('http');
const { execFileSync } = require('child_process');
const { run, check } = require('./lib/browser');

const [issuer, clientId, redirectUri, email, password] = process.argv.slice(2);
const b64url = (b) => b.toString('base64url');

function pkce() {
  const verifier = b64url(crypto.randomBytes(48));
  const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
  return { verifier, challenge };
}

function authorizeUrl(p, state, nonce) {
  const q = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
    scope: 'openid email profile', state, nonce,
    code_challenge: p.challenge, code_challenge_method: 'S256',
  });
  return `${issuer}/oauth/authorize?${q}`;
}

async function token(form) {
  const r = await fetch(`${issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: clientId, ...form }),
  });
  return { status: r.status, body: await r.json() };
}

const claims = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url'));

// Waits for the browser to land on the redirect URI; its query.
async function landed(page) {
  await page.waitForURL((u) => u.href.startsWith(redirectUri)).catch(async (e) => {
    const c = await page.content();
    throw new Error(`${e.message}\nat ${page.url()}: ${(c.match(/"errorCode":"[^"]*"/) || [c.slice(0, 300)])[0]}`);
  });
  return new URL(page.url()).searchParams;
}

run(async (page) => {
  const violations = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  // The relying party: a blank page at its redirect URI.
  const rp = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<p>rp</p>');
  });
  await new Promise((ok) => rp.listen(Number(new URL(redirectUri).port), '127.0.0.1', ok));

  // 1. The sign-in page, the password, and TOTP if the page asks.
  let p = pkce();
  const first = await page.goto(authorizeUrl(p, 'state-1', 'nonce-1'));
  check(first.status() === 200, `the sign-in page answers 200, not ${first.status()}`);
  check((await page.title()) === 'Sign in', 'the page title is "Sign in"');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The code form (the post answered a page) or the client.
  await page.waitForURL((u) => u.href === `${issuer}/oauth/authorize` ||
    u.href.startsWith(redirectUri));
  let mfa = false;
  if (!page.url().startsWith(redirectUri)) {
    const secret = (await page.locator('#totp-secret').innerText()).trim();
    check(/^[A-Z2-7]{32}$/.test(secret), `an enrollment shows the secret (${secret})`);
    check((await page.locator('#totp-uri').innerText()).startsWith('otpauth://totp/'),
      'an enrollment shows the otpauth URI');
    const code = execFileSync('oathtool', ['--totp', '-b', secret]).toString().trim();
    await page.getByLabel('Code from your authenticator app').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    mfa = true;
  }
  let q = await landed(page);
  check(q.get('state') === 'state-1', 'the redirect carries the state');
  check(q.get('iss') === issuer, 'the redirect carries iss (RFC 9207)');
  check(q.get('code'), 'the redirect carries a code');

  // 2. The code for tokens, with the verifier.
  let t = await token({ grant_type: 'authorization_code', code: q.get('code'),
    redirect_uri: redirectUri, code_verifier: p.verifier });
  check(t.status === 200, `the exchange answers 200: ${JSON.stringify(t.body)}`);
  const id = claims(t.body.id_token);
  check(id.nonce === 'nonce-1' && id.aud === clientId && id.iss === issuer,
    'the ID token carries nonce, aud and iss');
  check(JSON.stringify(id.amr) === JSON.stringify(mfa ? ['pwd', 'otp'] : ['pwd']),
    `amr says how the user signed in: ${JSON.stringify(id.amr)}`);
  const rt1 = t.body.refresh_token;

  // 3. A second authorization passes without the form.
  p = pkce();
  const pages = [];
  page.on('response', (r) => {
    if (r.url().startsWith(`${issuer}/oauth/authorize`)) pages.push(r.status());
  });
  await page.goto(authorizeUrl(p, 'state-2', 'nonce-2'));
  q = await landed(page);
  check(pages.length === 1 && pages[0] === 302,
    `the second authorization redirects at once (${pages})`);
  check(q.get('state') === 'state-2', 'with its own state');
  t = await token({ grant_type: 'authorization_code', code: q.get('code'),
    redirect_uri: redirectUri, code_verifier: p.verifier });
  check(t.status === 200, 'the second code is exchanged');
  check(claims(t.body.id_token).sid === id.sid, 'in the same session');

  // 4. Refresh rotates; the rotated token presented again ends it all.
  t = await token({ grant_type: 'refresh_token', refresh_token: rt1 });
  check(t.status === 200 && t.body.refresh_token !== rt1, 'refresh rotates');
  const rt2 = t.body.refresh_token;
  t = await token({ grant_type: 'refresh_token', refresh_token: rt1 });
  check(t.status === 400 && t.body.error === 'invalid_grant', 'a reused refresh token is invalid_grant');
  t = await token({ grant_type: 'refresh_token', refresh_token: rt2 });
  check(t.status === 400 && t.body.error === 'invalid_grant', 'and its successor is revoked');
  check(violations.length === 0, `no CSP violation: ${violations}`);
  rp.close();
  process.stdout.write('ok\n');
});
