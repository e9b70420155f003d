// invite.js URL PASSWORD: opens an invitation's link as an invitee would,
// submits a weak password first and checks that the page names each
// broken rule (and that it passed no CSP violation), then a good one,
// and checks the page that says the account is ready.  Prints "ok".
'use strict';

const { run, check } = require('./lib/browser');
const [url, password] = process.argv.slice(2);

run(async (page) => {
  const violations = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  const first = await page.goto(url);
  check(first.status() === 200, `the link answers 200, not ${first.status()}`);
  check((await page.title()) === 'Accept your invitation', 'the page title');
  // The stylesheet applies (the CSP lets the inline one in).
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg === 'rgb(244, 245, 247)', `the inline stylesheet applies (${bg})`);

  await page.getByLabel('Your name (optional)').fill('Browser User');
  await page.getByLabel('Choose a password').fill('weakpass');
  const [weak] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Create my account' }).click(),
  ]);
  check(weak.status() === 422, `a weak password answers 422, not ${weak.status()}`);
  await page.waitForLoadState();
  const alert = await page.getByRole('alert').innerText();
  for (const rule of ['An uppercase letter (A-Z)', 'A digit (0-9)',
    'A character that is not a letter or digit']) {
    check(alert.includes(rule), `the page names the broken rule "${rule}"`);
  }
  check(!alert.includes('At least'), 'the length rule, kept, is not named');
  check(await page.getByLabel('Your name (optional)').inputValue() === 'Browser User',
    'the name typed is kept');
  check(await page.getByLabel('Choose a password').getAttribute('aria-invalid') === 'true',
    'the password field is marked invalid');

  await page.getByLabel('Choose a password').fill(password);
  await Promise.all([
    page.waitForURL('**/invite/accepted'),
    page.getByRole('button', { name: 'Create my account' }).click(),
  ]);
  check((await page.title()) === 'Your account is ready', 'the page that says so');
  check(violations.length === 0, `no CSP violation: ${violations.join('; ')}`);
  console.log('ok');
});
