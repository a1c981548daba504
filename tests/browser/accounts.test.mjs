// Browser (headless Debian Chromium via playwright-core): sign up through the form, see
// the username in the nav, log out, log in again; no console errors, CSP violations or
// failed requests on the way. Screenshot: tests/out/browser-accounts.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, REPO_ROOT } from '../lib/server.mjs';
import { newUser } from '../lib/flows.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = join(REPO_ROOT, 'tests', 'out');

let server, browser;
before(async () => {
  server = await startServer();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('sign up, log out, log in again through the pages', { timeout: 120000 }, async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const page = await context.newPage();
  const problems = [];
  // "Failed to load resource" console errors are reported with their URL by the response
  // handler below (which lets a missing /favicon.ico pass).
  page.on('console', (m) => {
    if (/^Failed to load resource/.test(m.text())) return;
    if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document' && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  // CSP violations are also reported as DOM events; collect them after each page load.
  const cspViolations = async () => page.evaluate(() => window.__cspViolations ?? []);
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
  });

  const u = newUser('browser');
  await page.goto(`${server.url}/accounts/signup/`);
  const form = page.locator('form:has(input[name="password1"])');
  await form.locator('input[name="username"]').fill(u.username);
  await form.locator('input[name="email"]').fill(u.email);
  await form.locator('input[name="password1"]').fill(u.password);
  await form.locator('input[name="password2"]').fill(u.password);
  await Promise.all([page.waitForNavigation(), form.locator('button[type="submit"], input[type="submit"], button:not([type])').first().click()]);
  assert.equal(new URL(page.url()).pathname, '/ask/', 'a new account lands where it asks');
  assert.match(await page.locator('main p.notice[role="status"]').textContent(), /^Welcome!/);
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'question');
  await page.screenshot({ path: join(OUT, 'browser-signup-welcome.png'), fullPage: true });
  const nav = page.locator('nav, header').first();
  assert.ok((await nav.innerText()).includes(u.username), 'the username is not in the nav after signup');
  assert.deepEqual(await cspViolations(), []);

  // The stylesheet applied (the page is not unstyled HTML).
  const styled = await page.evaluate(() => [...document.styleSheets].some((s) => { try { return s.cssRules.length > 0; } catch { return false; } }));
  assert.ok(styled, 'no stylesheet with rules was loaded');

  // The account menu under the name: Password, API keys, Connected accounts, Log out.
  await page.click('header details.account > summary');
  assert.deepEqual(await page.locator('header details.account .menu > a').allTextContents(), ['Password', 'API keys', 'Connected accounts']);
  await page.screenshot({ path: join(OUT, 'browser-account-menu.png') });
  const logoutButton = page.getByRole('button', { name: /log\s*out/i });
  await Promise.all([page.waitForNavigation(), logoutButton.click()]);
  assert.ok(!(await page.locator('body').innerText()).includes(u.username), 'username still shown after logout');
  await page.goto(`${server.url}/ask/`);
  assert.equal(new URL(page.url()).pathname, '/accounts/login/', 'anonymous /ask/ should land on the login page');

  const login = page.locator('form:has(input[name="password"])');
  await login.locator('input[name="login"]').fill(u.email);
  await login.locator('input[name="password"]').fill(u.password);
  await Promise.all([page.waitForNavigation(), login.locator('button[type="submit"], input[type="submit"], button:not([type])').first().click()]);
  assert.equal(new URL(page.url()).pathname, '/ask/', 'login should return to next=/ask/');
  assert.ok((await page.locator('nav, header').first().innerText()).includes(u.username), 'the username is not in the nav after login');
  assert.deepEqual(await cspViolations(), []);

  await page.goto(`${server.url}/`);
  mkdirSync(OUT, { recursive: true });
  await page.screenshot({ path: join(OUT, 'browser-accounts.png'), fullPage: true });
  assert.deepEqual(await cspViolations(), []);
  assert.deepEqual(problems, [], 'console errors, CSP violations or failed requests');
  await context.close();
});

test('a wrong password shows the error in the page and keeps the login', { timeout: 60000 }, async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/accounts/login/`);
  const login = page.locator('form:has(input[name="password"])');
  await login.locator('input[name="login"]').fill('someone-unknown');
  await login.locator('input[name="password"]').fill('Wrong-pass-123!');
  const [resp] = await Promise.all([page.waitForNavigation(), login.locator('button[type="submit"], input[type="submit"], button:not([type])').first().click()]);
  assert.equal(resp.status(), 400);
  assert.ok(await page.locator('.error').first().isVisible(), 'no visible .error element');
  assert.equal(await page.locator('form:has(input[name="password"]) input[name="login"]').inputValue(), 'someone-unknown');
  assert.equal(await page.locator('form:has(input[name="password"]) input[name="password"]').inputValue(), '');
  await context.close();
});
