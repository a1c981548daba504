// Browser (headless Debian Chromium via playwright-core): a comparison through the
// page - the columns stream in side by side (text visible in each while it is still
// arriving), then the page becomes the comparison with its metadata table; on a
// phone the columns stack, each headed with its model; without JavaScript the form
// posts and the page answers once every column is complete; no console errors or CSP
// violations. Screenshots: tests/out/browser-compare-streaming.png,
// browser-compare-desktop.png, browser-compare-phone.png, browser-compare-nojs.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { browserSuite, OUT } from '../lib/browser.mjs';

const suite = browserSuite('drip,echo,slow-1000');

test('desktop: the columns stream side by side, then the comparison with its metadata', { timeout: 120000 }, async () => {
  const { page, problems } = await suite.loggedInPage();
  await page.goto(`${suite.server.url}/compare/`);
  await page.fill('textarea[name="question"]', 'Describe a tensile test.');
  await page.selectOption('select[name="model_1"]', 'drip');
  await page.selectOption('select[name="model_2"]', 'drip');
  await page.fill('input[name="temperature_2"]', '0.9');
  await page.selectOption('select[name="model_3"]', 'echo');
  await page.click('form.compare-form button[type="submit"]');

  // Both drip columns show part of their answer while it is still arriving.
  await page.waitForFunction(() => [0, 1].every((k) => /drop2 /.test(document.querySelector(`#compare-live [data-column="${k}"] .live`)?.textContent || '')));
  assert.equal(await page.locator('#compare-live .compare-col').count(), 3);
  assert.ok(await page.locator('#compare-live .compare-col[aria-busy="true"]').count() >= 2, 'still streaming');
  await page.screenshot({ path: join(OUT, 'browser-compare-streaming.png'), fullPage: true });

  // At the end, the comparison's own page: three columns in one row, the table.
  await page.waitForURL(/\/compare\/[0-9a-f-]{36}\/$/, { timeout: 30000 });
  await page.locator('table.compare-meta').waitFor({ timeout: 30000 });
  const boxes = await page.locator('.compare-grid .compare-col').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y })));
  assert.equal(boxes.length, 3);
  assert.ok(boxes[0].x < boxes[1].x && boxes[1].x < boxes[2].x, 'side by side');
  assert.equal(boxes[0].y, boxes[2].y, 'on one row');
  assert.match(await page.locator('.compare-col').nth(0).innerText(), /drop0[\s\S]*drop39/);
  assert.match(await page.locator('table.compare-meta').innerText(), /temperature 0\.9/);
  await page.screenshot({ path: join(OUT, 'browser-compare-desktop.png'), fullPage: true });

  // The phone: the same page stacks its columns, each headed with its model.
  await page.setViewportSize({ width: 390, height: 844 });
  const stacked = await page.locator('.compare-grid .compare-col').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width })));
  assert.ok(stacked[0].y < stacked[1].y && stacked[1].y < stacked[2].y, 'stacked');
  assert.ok(stacked.every((r) => r.w <= 390), 'each within the screen');
  for (const k of [0, 1, 2]) assert.match(await page.locator('.compare-col h2').nth(k).innerText(), /^[ABC] (drip|echo)$/);
  await page.screenshot({ path: join(OUT, 'browser-compare-phone.png'), fullPage: true });

  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(problems, []);
});

test('without JavaScript the form posts and the page answers once every column is complete', { timeout: 60000 }, async () => {
  const { page, problems } = await suite.loggedInPage({ javaScriptEnabled: false });
  await page.goto(`${suite.server.url}/compare/`);
  await page.fill('textarea[name="question"]', 'No script here.');
  await page.selectOption('select[name="model_1"]', 'slow-1000');
  await page.selectOption('select[name="model_2"]', 'echo');
  await page.check('input[name="blind"]');
  await page.click('form.compare-form button[type="submit"]');
  await page.waitForURL(/\/compare\/[0-9a-f-]{36}\/$/);
  assert.equal((await page.locator('.compare-col .answer').allInnerTexts()).filter((t) => /Answer to: No script here\./.test(t)).length, 2);
  const html = await page.content();
  assert.doesNotMatch(html, /slow-1000|>echo</, 'blind: no model named before the vote');
  await page.screenshot({ path: join(OUT, 'browser-compare-nojs.png'), fullPage: true });
  await page.click('form.vote button[value="A"]');
  await page.waitForSelector('text=Your vote: A is better');
  assert.match(await page.content(), /slow-1000/);
  assert.deepEqual(problems, []);
});
