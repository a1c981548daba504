// admin.mjs - what the admin panel's HTTP tests share (tests/http/admin-*.test.mjs):
// an administrator logged in, questions asked through the fake provider, and
// readers of the admin pages (the rows of a table, the total, a filter's count).
import assert from 'node:assert/strict';
import { Client, createUser, getCsrf, errorTexts, decodeEntities } from './server.mjs';
import { login, newUser } from './flows.mjs';

/** A new administrator (createuser --admin), logged in: { client, user }. */
export async function adminClient(server, prefix = 'adm') {
  const user = newUser(prefix);
  const r = await createUser(server, { ...user, admin: true });
  assert.equal(r.code, 0, r.stderr);
  const client = new Client(server.url);
  assert.equal((await login(client, user.username, user.password)).status, 302);
  return { client, user };
}

/** Asks a question (through the fake provider); the conversation's path. */
export async function ask(server, client, fields, path = '/ask/') {
  const csrf_token = getCsrf((await client.get(path)).text);
  const r = await client.postMultipart(path, { csrf_token, model: 'echo', ...fields });
  assert.equal(r.status, 303, errorTexts(r.text).join(' / '));
  return new URL(r.location, server.url).pathname;
}

/** The message ids of the list's rows, in order. */
export function rowIds(html) {
  const table = /<table class="admin-table" id="messages">[\s\S]*?<\/table>/.exec(html);
  assert.ok(table, 'the page has the messages table');
  return [...table[0].matchAll(/<input type="checkbox" name="ids" value="(\d+)"/g)].map((m) => Number(m[1]));
}

/** The list's total as shown ("1000+" stays a string). */
export function total(html) {
  const m = /<p class="total">([^<]*) messages?<\/p>/.exec(html);
  assert.ok(m, 'the page shows a total');
  return /\+$/.test(m[1]) ? m[1] : Number(m[1]);
}

/** The count shown next to a filter's value, or undefined when there is no link. */
export function facetCount(html, filter, value) {
  const line = new RegExp(`<p class="facet" data-filter="${filter}">([\\s\\S]*?)</p>`).exec(html);
  assert.ok(line, `the page has the ${filter} filter`);
  for (const m of line[1].matchAll(/<a href="([^"]*)"[^>]*>(?:<strong>)?([^<]*)(?:<\/strong>)?<\/a> \(([^)]*)\)/g)) {
    if (decodeEntities(m[2]) === value) return /\+$/.test(m[3]) ? m[3] : Number(m[3]);
  }
  return undefined;
}

/** The CSRF token of any form of the page at path. */
export async function tokenOf(client, path = '/admin/') {
  const t = getCsrf((await client.get(path)).text);
  assert.ok(t, `a token on ${path}`);
  return t;
}

/** The start of a day (UTC) and the periods of the date filter, as docs/admin.md says. */
export function periods(now = Date.now()) {
  const d = new Date(now);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return {
    today: midnight,
    '7d': midnight - 6 * 86400000,
    month: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    year: Date.UTC(d.getUTCFullYear(), 0, 1),
  };
}
