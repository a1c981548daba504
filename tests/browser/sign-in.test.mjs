// Browser (headless Debian Chromium via playwright-core): sign in with a real OpenID
// Connect provider (oidc-provider 8): the button on llmmeta's login page, the
// provider's own login and consent pages, back to llmmeta logged in; on llmmeta's
// pages no console errors or CSP violations. Screenshot: tests/out/browser-sign-in.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, ARGS, OUT } from '../lib/browser.mjs';
import { startOidcProvider } from '../lib/oidc-provider.mjs';
import { reservePort, startOn } from '../lib/sign-in.mjs';

let server, idp, browser;
before(async () => {
  mkdirSync(OUT, { recursive: true });
  const { port, callback } = await reservePort('oidc');
  idp = await startOidcProvider({ redirectUris: [callback],
    accounts: { 'browser-user': { email: 'browser@oidc.test', email_verified: true, preferred_username: 'browser-user' } } });
  server = await startOn(port, { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret, OIDC_NAME: 'Test IdP' });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await idp?.stop();
});

test('sign in through the provider\'s login and consent pages and land logged in', { timeout: 120000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems = [];
  const ours = () => page.url().startsWith(server.url);
  page.on('console', (m) => { if (ours() && m.type() === 'error' && !/favicon/.test(m.text())) problems.push(m.text()); });
  page.on('pageerror', (e) => { if (ours()) problems.push(e.message); });

  await page.goto(`${server.url}/accounts/login/`);
  const button = page.getByRole('button', { name: 'Sign in with Test IdP' });
  await button.waitFor();
  await page.screenshot({ path: join(OUT, 'browser-sign-in.png'), fullPage: true });
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  await button.click();

  await page.waitForURL((u) => u.href.startsWith(idp.issuer));
  await page.fill('input[name="login"]', 'browser-user');
  await page.fill('input[name="password"]', 'anything');
  await page.click('button[type="submit"]');
  await page.getByRole('button', { name: 'Continue' }).click(); // the consent page

  await page.waitForURL((u) => u.href.startsWith(server.url) && !u.pathname.includes('/callback/'));
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal((await page.locator('.who').textContent()).trim(), 'browser-user');
  assert.deepEqual(await page.evaluate(() => window.__csp), []);

  await page.goto(`${server.url}/accounts/social/connections/`);
  assert.match(await page.locator('table.identities').textContent(), /Test IdP[\s\S]*browser@oidc\.test/);
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(problems, []);
  await context.close();
});
