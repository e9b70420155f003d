// rp.js PAGE EMAIL PASSWORD: opens a page protected by a relying party
// (Apache's mod_auth_openidc, tests/rp/apache-rp.conf), which sends the
// browser to xavyo-idp's sign-in page; signs in; checks that the browser
// is back on the page and that the page shows the user's claims as the
// module passed them.  Prints "ok".
'use strict';

const { run, check } = require('./lib/browser');

const [pageUrl, email, password] = process.argv.slice(2);

run(async (page) => {
  await page.goto(pageUrl);
  check((await page.title()) === 'Sign in',
    `the relying party sends the browser to the sign-in page (${page.url()})`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.href === pageUrl);
  const text = await page.locator('body').innerText();
  check(text.includes(`email=${email}`), `the page shows the email claim: ${text}`);
  check(text.includes('name=Ada Lovelace'), `the page shows the name claim: ${text}`);
  check(/sub=[0-9a-f-]{36}/.test(text), `the page shows the sub claim: ${text}`);
  process.stdout.write('ok\n');
});
