// Browser (headless Chromium via playwright-core): an administrator follows the nav's
// Admin link, filters the messages by a link, ticks two rows, deletes them through
// the confirmation page, and finds the deletions in the admin log. No console errors
// or CSP violations. Screenshot: tests/out/browser-admin.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, dbQuery } from '../lib/server.mjs';
import { browserSuite, OUT } from '../lib/browser.mjs';
import { ask } from '../lib/admin.mjs';

const suite = browserSuite('echo');

test('the Admin link, a filter, the bulk deletion with its confirmation, the log', { timeout: 120000 }, async () => {
  const { page, problems, user } = await suite.loggedInPage();
  for (const q of ['first browser question', 'second browser question']) await ask(suite.server, user.client, { question: q });
  const r = await runCli(['setadmin', user.user.username, 'on'], { env: suite.server.env });
  assert.equal(r.code, 0, r.stderr);

  await page.goto(suite.server.url + '/');
  await page.click('header nav >> text=Admin');
  await page.waitForURL('**/admin/');
  await page.click('nav.admin-nav >> text=Messages');
  await page.click('p.facet[data-filter="role"] >> a:text-is("user")');
  await page.waitForURL('**/admin/messages/?role=user');
  const rows = page.locator('#messages tbody tr');
  assert.equal(await rows.count(), 2);
  await page.screenshot({ path: join(OUT, 'browser-admin.png'), fullPage: true });
  // "Select all" (shown with JavaScript) ticks every row, and shows "some" for a part.
  const all = page.locator('#select-all');
  assert.ok(await all.isVisible(), 'select all is offered');
  await rows.nth(0).locator('input[type=checkbox]').check();
  assert.equal(await all.evaluate((el) => el.indeterminate), true, 'one of two: "some"');
  await all.check();
  assert.deepEqual(await rows.locator('input[name="ids"]').evaluateAll((bs) => bs.map((b) => b.checked)), [true, true]);
  await page.click('text=Delete the selected messages…');
  await page.waitForSelector('h1:text("Delete 2 messages?")');
  assert.equal(await page.locator('#confirm tbody tr').count(), 2);
  await page.click('form.delete-confirm button:text("Delete")');
  await page.waitForSelector('text=2 messages deleted.');
  assert.match(page.url(), /\/admin\/messages\/\?role=user&deleted=2$/, 'back to the list as it was filtered');
  assert.equal(dbQuery(suite.server, "SELECT count(*) AS n FROM messages WHERE role = 'user'")[0].n, 0);
  await page.click('nav.admin-nav >> text=Admin log');
  assert.equal(await page.locator('#log tbody tr:has(td[data-action="message_delete"]):has-text("deleted a message")').count(), 2);
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no CSP violations');
  assert.deepEqual(problems, [], 'no console errors');
});
