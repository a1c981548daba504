// Browser (headless Debian Chromium via playwright-core): ask a question through the
// page and watch the answer stream in (text visible while the answer is still
// arriving), then see it rendered with its metadata; continue the conversation; the
// same form without JavaScript; no console errors or CSP violations. While the model
// is silent the answer says it is waiting, a Stop button cancels the call (recorded
// cancelled), the new conversation's address, heading and title replace "Ask", and
// "Save question as prompt" on a conversation page saves without asking.
// Screenshots: tests/out/browser-ask-streaming.png, tests/out/browser-ask-done.png,
// tests/out/browser-ask-waiting.png, tests/out/browser-ask-stopped.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dbQuery, sleep } from '../lib/server.mjs';
import { browserSuite, OUT } from '../lib/browser.mjs';

const suite = browserSuite('drip,echo,html,slow-3000');
const loggedInPage = (javaScriptEnabled = true) => suite.loggedInPage({ javaScriptEnabled });

test('the answer streams in as it is generated, then shows with its metadata', { timeout: 120000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.goto(`${suite.server.url}/ask/`);
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
  // One line says model, tokens and time; the rest is behind "Details".
  const line = page.locator('#thread .msg.assistant .meta-line');
  await line.waitFor({ timeout: 30000 });
  assert.match(await line.textContent(), /^drip-2026 · \d+ tokens · \d+(\.\d)? m?s$/);
  const meta = page.locator('#thread .msg.assistant dl.meta');
  assert.equal(await meta.isVisible(), false, 'the details are folded');
  await page.click('#thread .msg.assistant details.meta-more summary');
  await meta.waitFor();
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
  await page.locator('#thread .msg.assistant .meta-line').nth(1).waitFor();
  const last = suite.fake.requests.at(-1).body.messages;
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
  await page.goto(`${suite.server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'html please');
  await page.selectOption('select[name="model"]', 'html');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.locator('#thread .msg.assistant .meta-line').waitFor();
  assert.match(await page.locator('#thread .answer').innerText(), /<script>alert\("x"\)<\/script>/);
  await page.reload();
  assert.equal(dialogs, 0);
  assert.equal(await page.locator('#thread script').count(), 0);
  await context.close();
});

test('without JavaScript the same form answers with a full page load', { timeout: 60000 }, async () => {
  const { page, context } = await loggedInPage(false);
  await page.goto(`${suite.server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'No script here');
  await page.selectOption('select[name="model"]', 'echo');
  await Promise.all([page.waitForNavigation(), page.click('form.ask button[type="submit"]:not([name])')]);
  assert.match(new URL(page.url()).pathname, /^\/conversation\/[0-9a-f-]{36}\/$/);
  assert.match(await page.locator('#thread .msg.assistant .answer').innerText(), /Answer to: No script here/);
  assert.match(await page.locator('#thread dl.meta').textContent(), /echo-2026/);
  await context.close();
});

const messagesOf = (uuid) => dbQuery(suite.server, `SELECT m.role, m.status, m.content, m.error FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${uuid}' ORDER BY m.id`);
const uuidOfPage = (page) => /\/conversation\/([0-9a-f-]{36})\/$/.exec(new URL(page.url()).pathname)?.[1];

test('while the model is silent the answer says so; the page becomes the conversation, titled', { timeout: 60000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.goto(`${suite.server.url}/ask/`);
  assert.equal(await page.locator('main h1').textContent(), 'Ask a question');
  await page.fill('textarea[name="question"]', '  Tensile <b>yield</b> & strain\nsecond line');
  await page.selectOption('select[name="model"]', 'slow-3000');
  await page.click('form.ask button[type="submit"]:not([name])');

  const waiting = page.locator('#thread .msg.assistant .waiting[role="status"]');
  await waiting.waitFor();
  assert.equal(await waiting.textContent(), 'Waiting for slow-3000…');
  assert.equal(await waiting.getAttribute('aria-live'), 'polite');
  assert.equal(await waiting.evaluate((el) => getComputedStyle(el).animationName), 'pulse', 'it moves');
  assert.ok(await page.locator('form.ask button.stop').isVisible(), 'Stop is offered while waiting');
  // The start line has come: the address, heading and title are the conversation's.
  await page.waitForFunction(() => location.pathname.startsWith('/conversation/'));
  assert.ok(uuidOfPage(page), page.url());
  assert.equal(await page.locator('main h1').textContent(), 'Tensile <b>yield</b> & strain');
  assert.equal(await page.title(), 'Tensile <b>yield</b> & strain · llmmeta');
  await page.screenshot({ path: join(OUT, 'browser-ask-waiting.png'), fullPage: true });

  // The answer comes: no more waiting, no more Stop.
  await page.locator('#thread .msg.assistant .meta-line').waitFor({ timeout: 20000 });
  assert.equal(await page.locator('#thread .waiting').count(), 0);
  assert.equal(await page.locator('form.ask button.stop').count(), 0);
  // The server's page says the same after a reload (the heading, escaped, as text).
  await page.reload();
  assert.equal(await page.locator('main h1').textContent(), 'Tensile <b>yield</b> & strain');
  assert.equal(await page.title(), 'Tensile <b>yield</b> & strain · llmmeta');
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the waiting indicator keeps still for those who asked for less motion', { timeout: 60000 }, async () => {
  const { page, context } = await loggedInPage();
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.goto(`${suite.server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'Still, please');
  await page.selectOption('select[name="model"]', 'slow-3000');
  await page.click('form.ask button[type="submit"]:not([name])');
  const waiting = page.locator('#thread .msg.assistant .waiting');
  await waiting.waitFor();
  assert.equal(await waiting.evaluate((el) => getComputedStyle(el).animationName), 'none');
  await page.locator('#thread .msg.assistant .meta-line').waitFor({ timeout: 20000 });
  await context.close();
});

test('Stop cancels the answer: kept as far as it came, recorded cancelled, the question back in the form', { timeout: 60000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.goto(`${suite.server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'Drip, then stop');
  await page.selectOption('select[name="model"]', 'drip');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.waitForFunction(() => /drop2 /.test(document.querySelector('#thread .live')?.textContent || ''));
  const uuid = uuidOfPage(page);
  assert.ok(uuid, 'the address is the conversation');
  await page.click('form.ask button.stop');

  const stopped = page.locator('#thread .msg.assistant.stopped');
  await stopped.waitFor();
  assert.match(await stopped.locator('.live').textContent(), /^drop0 drop1 drop2 /);
  assert.match(await stopped.locator('p[role="status"]').textContent(), /^Stopped\./);
  assert.equal(await page.locator('form.ask button.stop').count(), 0, 'Stop is gone');
  assert.equal(await page.inputValue('textarea[name="question"]'), 'Drip, then stop');
  assert.ok(await page.locator('form.ask button[type="submit"]:not([name])').isEnabled(), 'Ask is back');
  await page.screenshot({ path: join(OUT, 'browser-ask-stopped.png'), fullPage: true });

  // The server noticed (on its next heartbeat) and recorded what had arrived.
  let rows = [];
  for (let i = 0; i < 100 && !(rows.length === 2 && rows[1].status === 'cancelled'); i++) {
    await sleep(100);
    rows = messagesOf(uuid);
  }
  assert.equal(rows.length, 2, JSON.stringify(rows));
  assert.equal(rows[0].status, 'cancelled');
  assert.equal(rows[1].status, 'cancelled');
  assert.match(rows[1].content, /^drop0 drop1 drop2 /);
  assert.ok(!rows[1].content.includes('drop39'), 'stopped before the end');
  const before = suite.fake.requests.length;
  await sleep(500);
  assert.equal(suite.fake.requests.length, before, 'nothing asked again');
  assert.deepEqual(problems, []);
  await context.close();
});

test('"Save question as prompt" on a conversation page saves it and asks nothing', { timeout: 60000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.goto(`${suite.server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'First of all');
  await page.selectOption('select[name="model"]', 'echo');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.locator('#thread .msg.assistant .meta-line').waitFor();
  const uuid = uuidOfPage(page);
  await page.fill('textarea[name="question"]', 'Keep this one for later');
  const sent = suite.fake.requests.length;
  await Promise.all([page.waitForNavigation(), page.click('form.ask button[name="intent"][value="save_prompt"]')]);
  assert.equal(new URL(page.url()).pathname, `/conversation/${uuid}/`);
  assert.equal(await page.locator('p.notice').textContent(), 'The question was saved as a prompt.');
  assert.equal(await page.locator('main h1').textContent(), 'First of all');
  assert.equal(suite.fake.requests.length, sent, 'nothing sent to the model');
  assert.equal(messagesOf(uuid).length, 2, 'no message recorded');
  assert.equal(await page.locator('.prompts a', { hasText: 'Keep this one for later' }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the start line's title, when the server sends one, names the page", { timeout: 60000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  const url = '/conversation/00000000-0000-4000-8000-000000000000/';
  // A stand-in answer, so that this holds whatever the question's first line is.
  await page.route(`${suite.server.url}/ask/`, (route) => (route.request().method() !== 'POST' ? route.continue() : route.fulfill({
    status: 200, contentType: 'application/x-ndjson',
    body: [{ type: 'start', conversation: url.slice(14, 50), url, title: 'The server <title>' },
      { type: 'done', html: '<article class="msg assistant status-ok"><div class="answer"><p>ok</p></div></article>' }]
      .map((l) => JSON.stringify(l)).join('\n') + '\n',
  })));
  await page.goto(`${suite.server.url}/ask/`);
  await page.fill('textarea[name="question"]', 'Not this line');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.waitForFunction((u) => location.pathname === u, url);
  await page.locator('#thread .answer', { hasText: 'ok' }).waitFor();
  assert.equal(await page.locator('main h1').textContent(), 'The server <title>');
  assert.equal(await page.title(), 'The server <title> · llmmeta');
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard and reading: skip link, the question focused, Ctrl+Enter sends, Stop in view, the page follows, focus back', { timeout: 90000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.setViewportSize({ width: 390, height: 700 });
  // On a page without a focused field, the first Tab stop is the skip link, shown when focused.
  await page.goto(`${suite.server.url}/conversation/`);
  await page.keyboard.press('Tab');
  const skip = page.locator('a.skip');
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
  assert.equal(await skip.getAttribute('href'), '#main');
  assert.ok((await skip.boundingBox()).x >= 0, 'visible when focused');
  assert.equal(await page.locator('main#main').count(), 1);
  await page.goto(`${suite.server.url}/ask/`);
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'question', '/ask/ opens in the question box');

  await page.selectOption('select[name="model"]', 'drip');
  await page.fill('textarea[name="question"]', 'Keyboard question');
  await page.focus('textarea[name="question"]');
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction(() => /drop2 /.test(document.querySelector('#thread .live')?.textContent || ''));
  // Stop stays on screen however far the form has been pushed down.
  const box = await page.locator('form.ask button.stop').boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 700, `Stop in view: ${JSON.stringify(box)}`);
  // At the end of the page, the page follows the answer down (ask.js; Chromium's scroll
  // anchoring does as much): the behaviour is what is checked, and that it stops when
  // the reader scrolls up.
  const h0 = await page.evaluate(() => {
    window.scrollTo(0, document.documentElement.scrollHeight);
    return document.documentElement.scrollHeight;
  });
  await page.waitForFunction((h) => document.documentElement.scrollHeight > h + 50, h0, { timeout: 30000 });
  const followed = await page.evaluate(() => window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 60);
  assert.ok(followed, 'the page kept up with the answer');
  // Scrolled up, it is left where the reader put it.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => /drop30 /.test(document.querySelector('#thread .live')?.textContent || ''));
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'not pulled back down');
  await page.locator('#thread .msg.assistant .meta-line').waitFor({ timeout: 30000 });
  assert.equal(await page.evaluate(() => document.activeElement?.name), 'question', 'the question box has the focus again');
  assert.equal(await page.inputValue('textarea[name="question"]'), '', 'ready for the next question');
  assert.deepEqual(await page.evaluate(() => window.__csp), []);
  assert.deepEqual(problems, []);
  await context.close();
});
