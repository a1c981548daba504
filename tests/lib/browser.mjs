// What the browser tests share: Debian's Chromium through playwright-core, a server
// with the fake provider, and pages logged in as a fresh user whose console errors
// and CSP violations are collected (window.__csp) for the test to assert on.
import { before, after } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, REPO_ROOT } from './server.mjs';
import { signedUpClient } from './flows.mjs';
import { startFakeProvider } from './fake-provider.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const OUT = join(REPO_ROOT, 'tests', 'out');

/**
 * Registers before/after hooks that start the fake provider, a server offering
 * `models` and the browser; returns an object whose server, fake and browser are set
 * once the hooks ran, and loggedInPage(options) -> { page, problems, context, user }.
 * Options: javaScriptEnabled (true), timezoneId, acceptDownloads.
 */
export function browserSuite(models) {
  const s = {};
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    s.fake = await startFakeProvider();
    s.server = await startServer({ env: { LLM_API_URL: s.fake.url, LLM_MODELS: models } });
    s.browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  after(async () => {
    await s.browser?.close();
    await s.server?.stop();
    await s.fake?.close();
  });
  s.loggedInPage = async ({ javaScriptEnabled = true, timezoneId, acceptDownloads = false } = {}) => {
    const user = await signedUpClient(s.server.url, 'web');
    const context = await s.browser.newContext({ viewport: { width: 1100, height: 900 }, javaScriptEnabled, timezoneId, acceptDownloads });
    const { hostname } = new URL(s.server.url);
    await context.addCookies([...user.client.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
    await context.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    return { page, problems, context, user };
  };
  return s;
}
