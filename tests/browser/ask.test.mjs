// Browser (headless Debian Chromium via playwright-core): ask a question through the
// page and watch the answer stream in (text visible while the answer is still
// arriving), then see it rendered with its metadata; continue the conversation; the
// same form without JavaScript; no console errors or CSP violations.
// Screenshots: tests/out/browser-ask-streaming.png, tests/out/browser-ask-done.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, REPO_ROOT } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const OUT = join(REPO_ROOT, 'tests', 'out');

let fake, server, browser;
before(async () => {
  mkdirSync(OUT, { recursive: true });
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'drip,echo,html' } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
});
after(async () => {
  await browser?.close();
  await server?.stop();
  await fake?.close();
});

/** A logged-in browser context: the session cookie of a user signed up over HTTP. */
async function loggedInPage(javaScriptEnabled = true) {
  const { client } = await signedUpClient(server.url, 'web');
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, javaScriptEnabled });
  const { hostname } = new URL(server.url);
  await context.addCookies([...client.cookies].map(([name, value]) => ({ name, value, domain: hostname, path: '/' })));
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems, context };
}

test('the answer streams in as it is generated, then shows with its metadata', { timeout: 120000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.goto(`${server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'Describe a tensile test, slowly.');
  await page.selectOption('select[name="model"]', 'drip');
  await page.fill('input[name="temperature"]', '0.3');
  await page.click('form.ask button[type="submit"]:not([name])');

  // While the answer is still arriving, part of it is already on the page.
  const live = page.locator('#thread .msg.assistant.streaming .live');
  await live.waitFor();
  await page.waitForFunction(() => /drop2 /.test(document.querySelector('#thread .live')?.textContent || ''));
  const partial = await live.textContent();
  assert.ok(!partial.includes('drop39'), 'seen before the end');
  assert.ok(await page.locator('#thread .msg.assistant[aria-busy="true"]').count(), 'still busy');
  await page.screenshot({ path: join(OUT, 'browser-ask-streaming.png'), fullPage: true });

  // Then the whole answer, rendered, with its metadata.
  const meta = page.locator('#thread .msg.assistant dl.meta');
  await meta.waitFor({ timeout: 30000 });
  const answer = await page.locator('#thread .msg.assistant .answer').textContent();
  assert.match(answer, /drop0 [\s\S]*drop39/);
  const metaText = await meta.innerText();
  assert.match(metaText, /drip-2026/);
  assert.match(metaText, /Temperature\s*0\.3/);
  assert.match(metaText, /Total tokens\s*\d+/);
  assert.match(new URL(page.url()).pathname, /^\/conversation\/[0-9a-f-]{36}\/$/, 'the address is the conversation');
  assert.equal(await page.inputValue('textarea[name="question"]'), '', 'the form is ready for the next question');
  await page.screenshot({ path: join(OUT, 'browser-ask-done.png'), fullPage: true });

  // A second question continues the same conversation.
  await page.fill('textarea[name="question"]', 'And the yield point?');
  await page.selectOption('select[name="model"]', 'echo');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.locator('#thread .msg.assistant dl.meta').nth(1).waitFor();
  const last = fake.requests.at(-1).body.messages;
  assert.equal(last.length, 3, 'the second question carried the first exchange');
  await page.reload();
  assert.equal(await page.locator('#thread .msg').count(), 4, 'both exchanges are on the conversation page');

  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an answer with <script> does not run, streamed or reloaded', { timeout: 60000 }, async () => {
  const { page, context } = await loggedInPage();
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.goto(`${server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'html please');
  await page.selectOption('select[name="model"]', 'html');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.locator('#thread .msg.assistant dl.meta').waitFor();
  assert.match(await page.locator('#thread .answer').innerText(), /<script>alert\("x"\)<\/script>/);
  await page.reload();
  assert.equal(dialogs, 0);
  assert.equal(await page.locator('#thread script').count(), 0);
  await context.close();
});

test('without JavaScript the same form answers with a full page load', { timeout: 60000 }, async () => {
  const { page, context } = await loggedInPage(false);
  await page.goto(`${server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'No script here');
  await page.selectOption('select[name="model"]', 'echo');
  await Promise.all([page.waitForNavigation(), page.click('form.ask button[type="submit"]:not([name])')]);
  assert.match(new URL(page.url()).pathname, /^\/conversation\/[0-9a-f-]{36}\/$/);
  assert.match(await page.locator('#thread .msg.assistant .answer').innerText(), /Answer to: No script here/);
  assert.match(await page.locator('#thread dl.meta').innerText(), /echo-2026/);
  await context.close();
});
