// Browser (headless Chromium via playwright-core): an answer's JSON code block gets
// Copy, Download and "Open in JSON viewer" (also on an answer streamed in), which
// posts the block to /json-viewer/ and shows it formatted with its table; the
// viewer's Download saves the edited text; a table page re-posts the document;
// Delete on a conversation page asks in a dialog (dismissed: nothing deleted;
// accepted: deleted, on to the history); without JavaScript Delete opens the
// confirmation page, and the answer's own "Open in JSON viewer" button (hidden when
// the script runs) posts the answer's id. No console errors or CSP violations.
// Screenshots: tests/out/browser-json-viewer.png, tests/out/browser-code-tools.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dbQuery, getCsrf } from '../lib/server.mjs';
import { browserSuite, OUT } from '../lib/browser.mjs';

const suite = browserSuite('html,echo');
const loggedInPage = (javaScriptEnabled = true) => suite.loggedInPage({ javaScriptEnabled, acceptDownloads: true });

/** A conversation with an answer holding a ```json block, asked over HTTP. */
async function conversationWithJson(client) {
  const csrf_token = getCsrf((await client.get('/ask/')).text);
  const r = await client.postMultipart('/ask/', { csrf_token, model: 'html', question: 'Give me JSON' });
  assert.equal(r.status, 303);
  return new URL(r.location, suite.server.url).pathname;
}

async function noProblems(page, problems) {
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
  assert.deepEqual(problems, [], 'no console errors');
}

test("an answer's JSON code block opens in the JSON viewer; Copy and Download work", { timeout: 120000 }, async () => {
  const { page, problems, context, user } = await loggedInPage();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.server.url });
  const path = await conversationWithJson(user.client);
  await page.goto(suite.server.url + path);
  const tools = page.locator('#thread .answer .code-tools');
  await tools.first().waitFor();
  assert.deepEqual(await tools.first().locator('button').allTextContents(), ['Copy', 'Download', 'Open in JSON viewer']);
  await page.screenshot({ path: join(OUT, 'browser-code-tools.png'), fullPage: true });

  await tools.first().getByText('Copy').click();
  await page.waitForFunction(() => [...document.querySelectorAll('.code-tools button')].some((b) => b.textContent === 'Copied'));
  assert.equal((await page.evaluate(() => navigator.clipboard.readText())).trim(), '{"a": 1}');

  const [dl] = await Promise.all([page.waitForEvent('download'), tools.first().getByText('Download').click()]);
  assert.equal(dl.suggestedFilename(), 'answer.json');
  assert.equal(readFileSync(await dl.path(), 'utf8').trim(), '{"a": 1}');

  await Promise.all([page.waitForURL(`${suite.server.url}/json-viewer/`), tools.first().getByText('Open in JSON viewer').click()]);
  assert.equal(await page.inputValue('#jv-text'), '{\n    "a": 1\n}');
  assert.match(await page.locator('p.notice').textContent(), /The JSON is valid/);
  await noProblems(page, problems);
  await context.close();
});

test('an answer streamed into a conversation page gets its tools too', { timeout: 120000 }, async () => {
  const { page, problems, context, user } = await loggedInPage();
  const csrf_token = getCsrf((await user.client.get('/ask/')).text);
  const first = await user.client.postMultipart('/ask/', { csrf_token, model: 'echo', question: 'No code here' });
  await page.goto(new URL(first.location, suite.server.url).href);
  assert.equal(await page.locator('#thread .code-tools').count(), 0, 'no code block yet');
  await page.fill('textarea[name="question"]', 'JSON please');
  await page.selectOption('select[name="model"]', 'html');
  await page.click('form.ask button[type="submit"]:not([name])');
  await page.locator('#thread .answer .code-tools').first().waitFor();
  assert.equal(await page.locator('#thread .answer .code-tools').first().getByText('Open in JSON viewer').count(), 1);
  await noProblems(page, problems);
  await context.close();
});

test('the JSON viewer: table pages re-post the edited document; Download saves the text area', { timeout: 120000 }, async () => {
  const { page, problems, context } = await loggedInPage();
  await page.goto(`${suite.server.url}/json-viewer/`);
  const rows = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, big: '9007199254740993', n: `row ${i + 1}` }));
  const text = JSON.stringify(rows).replace(/"9007199254740993"/g, '9007199254740993');
  await page.fill('#jv-text', text);
  await Promise.all([page.waitForNavigation(), page.click('button[value="format"]')]);
  assert.match(await page.locator('table.json-table tbody tr').first().textContent(), /^119007199254740993row 1$/);
  assert.equal(await page.locator('table.json-table tbody tr').count(), 100);
  await page.screenshot({ path: join(OUT, 'browser-json-viewer.png'), fullPage: false });
  // Edit, then go to the last page: the edit is in the re-posted document and the
  // integer above 2^53 (which JSON.parse would round) survived the script's compaction.
  const edited = (await page.inputValue('#jv-text')).replace('"row 250"', '"edited"');
  await page.fill('#jv-text', edited);
  await Promise.all([page.waitForNavigation(), page.locator('nav.pager').first().getByText('Last »').click()]);
  assert.match(await page.locator('nav.pager span').first().textContent(), /Page 3 of 3/);
  const last = await page.locator('table.json-table tbody tr').last().locator('td').allTextContents();
  assert.deepEqual(last, ['250', '250', '9007199254740993', 'edited']);
  assert.ok((await page.inputValue('#jv-text')).includes('        "big": 9007199254740993,'), 'indented again by the server');

  await page.fill('#jv-text', '{"mine": [1, 2]}');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('button[value="download"]')]);
  assert.equal(dl.suggestedFilename(), 'document.json');
  assert.equal(readFileSync(await dl.path(), 'utf8'), '{"mine": [1, 2]}');
  await noProblems(page, problems);
  await context.close();
});

test('Delete asks in a dialog: dismissed, nothing happens; accepted, the conversation is gone', { timeout: 120000 }, async () => {
  const { page, problems, context, user } = await loggedInPage();
  const path = await conversationWithJson(user.client);
  const uuid = /\/conversation\/([0-9a-f-]{36})\//.exec(path)[1];
  const exists = () => dbQuery(suite.server, `SELECT count(*) AS n FROM conversations WHERE uuid = '${uuid}'`)[0].n;
  await page.goto(suite.server.url + path);
  const messages = [];
  page.once('dialog', (d) => { messages.push(d.message()); d.dismiss(); });
  await page.click('.conv-actions a.danger');
  await page.waitForTimeout(300);
  assert.equal(page.url(), suite.server.url + path, 'still on the conversation');
  assert.equal(exists(), 1, 'dismissed: nothing deleted');
  assert.match(messages[0], /Delete “Give me JSON” with its messages and files\?/);
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForURL(`${suite.server.url}/conversation/?deleted=1`), page.click('.conv-actions a.danger')]);
  assert.equal(exists(), 0, 'accepted: deleted');
  await noProblems(page, problems);
  await context.close();
});

test('without JavaScript, Delete opens the confirmation page, whose button deletes', { timeout: 120000 }, async () => {
  const { page, context, user } = await loggedInPage(false);
  const path = await conversationWithJson(user.client);
  const uuid = /\/conversation\/([0-9a-f-]{36})\//.exec(path)[1];
  await page.goto(suite.server.url + path);
  await Promise.all([page.waitForURL(`${suite.server.url}/delete_conversation/${uuid}/`), page.click('.conv-actions a.danger')]);
  assert.match(await page.locator('main').textContent(), /“Give me JSON” and its 2 messages will be deleted/);
  await Promise.all([page.waitForURL(`${suite.server.url}/conversation/?deleted=1`), page.click('form.delete-confirm button.danger')]);
  assert.equal(dbQuery(suite.server, `SELECT count(*) AS n FROM conversations WHERE uuid = '${uuid}'`)[0].n, 0);
  await context.close();
});

test('without JavaScript, an answer\'s "Open in JSON viewer" button opens its JSON; with it, only the code block\'s button shows', { timeout: 120000 }, async () => {
  const { page, context, user } = await loggedInPage(false);
  const path = await conversationWithJson(user.client);
  await page.goto(suite.server.url + path);
  const plain = page.locator('#thread .open-json button');
  assert.equal(await plain.count(), 1);
  assert.equal(await plain.textContent(), 'Open in JSON viewer');
  await Promise.all([page.waitForURL(`${suite.server.url}/json-viewer/`), plain.click()]);
  assert.equal(await page.inputValue('#jv-text'), '{\n    "a": 1\n}');
  assert.match(await page.locator('p.notice').textContent(), /The JSON is valid/);
  await context.close();

  const js = await loggedInPage(true);
  await js.page.goto(suite.server.url + (await conversationWithJson(js.user.client)));
  await js.page.locator('#thread .answer .code-tools').first().waitFor();
  assert.equal(await js.page.locator('#thread .open-json').isHidden(), true, 'the server\'s button shows next to the script\'s');
  await noProblems(js.page, js.problems);
  await js.context.close();
});
