// Browser (headless Chromium via playwright-core): the history page. Search: type a
// query, see the result with its match highlighted, follow it to the message. Delete
// from the history asks in a dialog (dismissed: nothing deleted; accepted: gone, the
// others stay). assets/history.js shows times in the browser's time zone and
// regroups the days there. No console errors or CSP violations.
// Screenshot: tests/out/browser-history.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { dbQuery, dbExec, getCsrf } from '../lib/server.mjs';
import { browserSuite, OUT } from '../lib/browser.mjs';

const DAY = 86400000;
const suite = browserSuite('echo');
const loggedInPage = (options) => suite.loggedInPage(options);

async function ask(client, question) {
  const csrf_token = getCsrf((await client.get('/ask/')).text);
  const r = await client.postMultipart('/ask/', { csrf_token, model: 'echo', question });
  assert.equal(r.status, 303);
  return /\/conversation\/([0-9a-f-]{36})\//.exec(r.location)[1];
}

async function noProblems(page, problems) {
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
  assert.deepEqual(problems, [], 'no console errors');
}

test('search: type a query, see the highlighted result, follow it to the message', { timeout: 120000 }, async () => {
  const { page, problems, context, user } = await loggedInPage();
  await ask(user.client, 'Where do <b>narwhals</b> live?');
  await ask(user.client, 'Something else entirely');
  await page.goto(`${suite.server.url}/conversation/`);
  await page.fill('#q', 'narwhal*');
  await Promise.all([page.waitForURL(/\/conversation\/\?q=narwhal\*/), page.press('#q', 'Enter')]);
  const results = page.locator('ol.search-results > li');
  assert.equal(await results.count(), 2, 'the question and its answer');
  assert.deepEqual(await page.locator('ol.search-results mark').allTextContents(), ['narwhals', 'narwhals']);
  assert.equal(await page.locator('ol.search-results b').count(), 0, 'the <b> of the message is text');
  assert.match(await results.first().locator('.snippet').textContent(), /<b>narwhals<\/b>|narwhals/);
  await page.screenshot({ path: join(OUT, 'browser-history-search.png'), fullPage: true });
  const href = await results.first().locator('a').getAttribute('href');
  const id = /#m-(\d+)$/.exec(href)[1];
  await Promise.all([page.waitForURL((u) => u.hash === `#m-${id}`), results.first().locator('a').click()]);
  assert.ok(await page.locator(`article#m-${id}:target`).count(), 'the message is the target');
  assert.match(await page.locator(`article#m-${id}`).textContent(), /narwhals/);
  await noProblems(page, problems);
  // A query the engine would refuse: a message on the page (answered 400, which
  // Chromium reports on the console).
  await page.goto(`${suite.server.url}/conversation/?q=${encodeURIComponent('"narwhal')}`);
  assert.match(await page.locator('#search-error').textContent(), /A quotation mark is not closed/);
  assert.equal(await page.inputValue('#q'), '"narwhal', 'the query kept in the box to fix it');
  await context.close();
});

test('Delete from the history asks in a dialog: dismissed, nothing happens; accepted, only that one is gone', { timeout: 120000 }, async () => {
  const { page, problems, context, user } = await loggedInPage();
  const keep = await ask(user.client, 'Keep this one');
  const gone = await ask(user.client, 'Delete <this> one');
  const exists = (uuid) => dbQuery(suite.server, `SELECT count(*) AS n FROM conversations WHERE uuid = '${uuid}'`)[0].n;
  await page.goto(`${suite.server.url}/conversation/`);
  const button = page.locator(`a.danger[href="/delete_conversation/${gone}/"]`);
  const messages = [];
  page.once('dialog', (d) => { messages.push(d.message()); d.dismiss(); });
  await button.click();
  await page.waitForTimeout(300);
  assert.equal(page.url(), `${suite.server.url}/conversation/`);
  assert.equal(exists(gone), 1, 'dismissed: nothing deleted');
  assert.match(messages[0], /Delete “Delete <this> one” with its messages and files\?/);
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForNavigation(), button.click()]);
  assert.equal(page.url(), `${suite.server.url}/conversation/?deleted=1`);
  assert.equal(await page.locator('p.notice[role="status"]').textContent(), 'The conversation was deleted.');
  assert.equal(exists(gone), 0, 'accepted: deleted');
  assert.equal(exists(keep), 1, 'the other stays');
  assert.equal(await page.locator(`a[href="/delete_conversation/${gone}/"]`).count(), 0);
  assert.equal(await page.locator(`a[href="/delete_conversation/${keep}/"]`).count(), 1);
  await noProblems(page, problems);
  await context.close();
});

test("times and day headings follow the browser's time zone", { timeout: 120000 }, async () => {
  // UTC+14: the end of one UTC day and the start of the next are the same local day.
  const tz = 'Pacific/Kiritimati';
  const { page, problems, context, user } = await loggedInPage({ timezoneId: tz });
  const a = await ask(user.client, 'just after UTC midnight');
  const b = await ask(user.client, 'the UTC afternoon before');
  const today0 = Math.floor(Date.now() / DAY) * DAY;
  dbExec(suite.server, `UPDATE conversations SET updated_at = ${today0 + 1000} WHERE uuid = '${a}'`);
  dbExec(suite.server, `UPDATE conversations SET updated_at = ${today0 - 11 * 3600000} WHERE uuid = '${b}'`);
  const html = await (await user.client.get('/conversation/')).text;
  assert.deepEqual([...html.matchAll(/<section class="day"><h2>([^<]*)</g)].map((m) => m[1]), ['Today', 'Yesterday'], 'UTC without JavaScript');
  await page.goto(`${suite.server.url}/conversation/`);
  await page.waitForFunction(() => document.querySelectorAll('#history section.day').length === 1);
  // The local day of both (14:00:01 and 03:00 there) is today's UTC date; locally
  // that is today or yesterday depending on the hour.
  const localKey = (ms) => new Date(ms).toLocaleDateString('en-CA', { timeZone: tz });
  const expected = localKey(today0 + 1000) === localKey(Date.now()) ? 'Today' : 'Yesterday';
  assert.equal(await page.locator('#history section.day h2').textContent(), expected);
  assert.equal(await page.locator('#history section.day article.hist-conv').count(), 2);
  const times = await page.locator('#history time').allTextContents();
  assert.equal(times.length, 2);
  for (const t of times) assert.doesNotMatch(t, /UTC/, 'shown in local time');
  assert.match(times[0], /14:00|2:00/);
  await page.screenshot({ path: join(OUT, 'browser-history.png'), fullPage: true });
  await noProblems(page, problems);
  await context.close();
});

test('a conversation: rename it from its page, export it alone; History marked; desktop and phone', { timeout: 120000 }, async () => {
  const { page, problems, context, user } = await loggedInPage({ acceptDownloads: true, timezoneId: 'Asia/Tokyo' });
  const uuid = await ask(user.client, 'Tensile test of sample 7');
  await page.goto(`${suite.server.url}/conversation/${uuid}/`);
  // The answer's time in the reader's zone (the page writes UTC).
  const time = page.locator('#thread dl.meta time');
  const iso = await time.getAttribute('datetime');
  assert.notEqual(await time.textContent(), iso);
  assert.match(await time.getAttribute('title'), /GMT\+0900/);
  assert.equal(await page.locator('nav a[aria-current="page"]').textContent(), 'History');
  await page.click('details.rename summary');
  await page.fill('#f-title', 'Sample 7 <b>schema</b>');
  await Promise.all([page.waitForURL(`${suite.server.url}/conversation/${uuid}/`), page.click('details.rename button')]);
  assert.equal(await page.locator('h1#title').textContent(), 'Sample 7 <b>schema</b>');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`a[href="/conversation/${uuid}/export.md"]`)]);
  assert.equal(download.suggestedFilename(), `conversation-${uuid}.md`);
  await page.screenshot({ path: join(OUT, 'browser-conversation-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.click('details.rename summary');
  const box = await page.locator('#f-title').boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the title field fits a phone: ${JSON.stringify(box)}`);
  await page.screenshot({ path: join(OUT, 'browser-conversation-phone.png'), fullPage: true });
  await noProblems(page, problems);
  await context.close();
});
