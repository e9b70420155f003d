// browser.js: Debian's chromium (/usr/bin/chromium), headless, driven by
// playwright-core, for the browser tests of tests/browser/*.js.  No
// browser is ever downloaded.  Each launch gets a fresh profile, removed
// at close, and the flags that keep chromium from reaching the network
// on its own (on a closed network it would hang).
//
//   const { launch, check } = require('./lib/browser');
//   const b = await launch();            // { browser, page, close() }
//   await b.page.goto(url);
//   check(cond, 'what was expected');    // throws with the message
//   await b.close();
//
// Environment: CHROMIUM (default /usr/bin/chromium), BROWSER_TIMEOUT_MS
// (default 15000: each action's and navigation's limit).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function launch(opts = {}) {
  // A fresh profile: playwright passes it as --user-data-dir.
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'xavyo-chromium-'));
  const timeout = Number(process.env.BROWSER_TIMEOUT_MS || 15000);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
      '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
    timeout,
    ...opts,
  });
  context.setDefaultTimeout(timeout);
  context.setDefaultNavigationTimeout(timeout);
  const page = context.pages()[0] || await context.newPage();
  // What the page's console says, and any CSP violation, goes to stderr.
  page.on('console', (m) => process.stderr.write(`console: ${m.text()}\n`));
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// run(fn): runs an async test body with a browser; exit status 0 or 1.
function run(fn) {
  let b;
  (async () => {
    b = await launch();
    await fn(b.page, b);
  })().then(async () => {
    await b.close();
    process.exit(0);
  }, async (e) => {
    process.stderr.write(`${e.stack || e}\n`);
    if (b) await b.close();
    process.exit(1);
  });
}

module.exports = { launch, check, run };
