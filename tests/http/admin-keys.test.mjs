// admin-keys.test.mjs - where the admin panel meets the API keys, the API's records
// and the sign-in identities (docs/admin.md, docs/api.md, docs/sign-in.md): a user's
// keys on their admin page, revoked by an administrator (logged, refused at once by
// the official `openai` client, another user's key a 404); an API call's request
// JSON, tool calls and key on the admin message page, escaped; the source filter's
// `api`; the user's linked identities (through a fake GitHub) listed read-only; a
// deactivated user's key and provider sign-in refused at once; and a deleted user
// leaving no row in any table with a user_id. Runs on both backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { Client, dbQuery, errorTexts, decodeEntities } from '../lib/server.mjs';
import { signedUpClient, isLoggedIn } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { startFakeGitHub } from '../lib/fake-github.mjs';
import { reservePort, startOn, pressButton, assertNoSession } from '../lib/sign-in.mjs';
import { adminClient, tokenOf, rowIds } from '../lib/admin.mjs';

let fake, gh, server, admin;
const idOf = (name) => Number(dbQuery(server, `SELECT id FROM users WHERE username = '${name}'`)[0].id);
const one = (sql) => dbQuery(server, sql)[0];

before(async () => {
  fake = await startFakeProvider({ models: ['echo', 'tool'] });
  gh = await startFakeGitHub();
  const { port } = await reservePort('github');
  server = await startOn(port, { LLM_API_URL: fake.url, LLM_MODELS: 'echo,tool', GITHUB_CLIENT_ID: gh.clientId,
    GITHUB_CLIENT_SECRET: gh.clientSecret, OAUTH_GITHUB_URL: gh.url, OAUTH_GITHUB_API_URL: gh.url });
  admin = await adminClient(server);
});
after(async () => { await server?.stop(); await fake?.close(); await gh?.stop(); });

const api = (key) => new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
const ask = (key, content, extra = {}) => api(key).chat.completions.create({ model: 'echo', messages: [{ role: 'user', content }], ...extra });

/** A key created by the user on /accounts/keys/: the key and its row's id. */
async function newKey(who, name) {
  const made = await who.client.submitForm('/accounts/keys/', 'name', { name, expires_days: '' });
  assert.equal(made.status, 303, made.text.slice(0, 500));
  const r = await who.client.get(made.location);
  const key = /<code class="api-key" id="new-key">(llmk-[A-Za-z0-9_-]+)<\/code>/.exec(r.text)[1];
  const { id } = one(`SELECT id FROM api_keys WHERE prefix = '${key.slice(0, 12)}'`);
  return { key, id: Number(id) };
}

const revoke = async (userId, keyId, client = admin.client) =>
  client.postForm(`/admin/users/${userId}/`, { csrf_token: await tokenOf(client, `/admin/users/${userId}/`), action: 'revoke_key', key_id: String(keyId) });
const act = async (userId, action) =>
  admin.client.postForm(`/admin/users/${userId}/`, { csrf_token: await tokenOf(admin.client, `/admin/users/${userId}/`), action });
const keysTable = (html) => /<table class="admin-table" id="keys">[\s\S]*?<\/table>/.exec(html)?.[0];

/** Signs in through the fake GitHub as GitHub user `id`: llmmeta's answer to the callback. */
let ghIds = 5000;
async function gitHubSignIn(id = ++ghIds, login = `gh${id}`, email = `gh${id}@gh.test`) {
  Object.assign(gh.opts, { user: { id, login }, emails: [{ email, primary: true, verified: true }], fail: {}, garbage: {} });
  const client = new Client(server.url);
  const start = await pressButton(client, 'github');
  assert.equal(start.status, 302, start.text.slice(0, 800));
  const redirect = await fetch(start.location, { redirect: 'manual' });
  return { client, r: await client.get(redirect.headers.get('location')), id, login, email };
}

test("the user page lists the user's keys with every column, names escaped", async () => {
  const u = await signedUpClient(server.url, 'keyed');
  const uid = idOf(u.user.username);
  const used = await newKey(u, 'notebook <script>alert(1)</script>');
  const idle = await newKey(u, 'idle');
  await ask(used.key, 'one');
  await ask(used.key, 'two');
  const page = await admin.client.get(`/admin/users/${uid}/`);
  assert.equal(page.status, 200);
  const table = keysTable(page.text);
  assert.ok(table, 'the keys table');
  assert.ok(!table.includes('<script>alert(1)'), 'the name is escaped');
  assert.match(table, /<th>name<\/th><th>prefix<\/th><th>created<\/th><th>expires<\/th><th>last used<\/th><th>calls<\/th><th>revoked<\/th>/);
  const row = new RegExp(`<tr id="key-${used.id}"><td>notebook &lt;script&gt;alert\\(1\\)&lt;/script&gt;</td><td><code>${used.key.slice(0, 12)}…</code></td>`
    + '<td><time[^>]*>[^<]*</time></td><td>never</td><td><time[^>]*>[^<]*</time></td><td class="n">2</td><td><form');
  assert.match(table, row);
  assert.match(table, new RegExp(`<tr id="key-${idle.id}"><td>idle</td>[\\s\\S]*?<td>never</td><td>never</td><td class="n">0</td>`));
  // Only this user's keys: the administrator's own page has none of them.
  const own = await admin.client.get(`/admin/users/${idOf(admin.user.username)}/`);
  assert.doesNotMatch(own.text, new RegExp(`key-${used.id}"`));
  assert.match(own.text, /No API keys\./);
});

test('an administrator revokes a key: logged with the time, the next call refused, the other keys untouched', async () => {
  const u = await signedUpClient(server.url, 'revokee');
  const uid = idOf(u.user.username);
  const k = await newKey(u, 'script');
  const other = await newKey(u, 'other');
  await ask(k.key, 'before');
  const logBefore = Number(one("SELECT count(*) AS n FROM admin_log WHERE action = 'key_revoke'").n);
  const r = await revoke(uid, k.id);
  assert.equal(r.status, 303);
  assert.equal(r.location, `/admin/users/${uid}/?done=revoke_key#keys`);
  const row = one(`SELECT revoked_at FROM api_keys WHERE id = ${k.id}`);
  assert.ok(row.revoked_at > 0);
  await assert.rejects(ask(k.key, 'after'), (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
  assert.equal((await fetch(`${server.url}/v1/models`, { headers: { Authorization: `Bearer ${k.key}` } })).status, 401);
  await ask(other.key, 'still works');
  assert.equal(one(`SELECT revoked_at FROM api_keys WHERE id = ${other.id}`).revoked_at, null);
  const log = dbQuery(server, `SELECT * FROM admin_log WHERE action = 'key_revoke' AND object_id = ${k.id}`);
  assert.equal(log.length, 1);
  assert.equal(log[0].admin_name, admin.user.username);
  assert.equal(log[0].object_type, 'api_key');
  assert.equal(log[0].object_label, `script (${k.key.slice(0, 12)}…) of ${u.user.username}`);
  assert.equal(log[0].field, 'revoked_at');
  assert.equal(log[0].old_value, null);
  assert.equal(Date.parse(log[0].new_value), Number(row.revoked_at), 'the logged time is the revocation');
  // The page shows it revoked, with no button; the log page lists it.
  const page = await admin.client.get(`/admin/users/${uid}/`);
  assert.match(keysTable(page.text), new RegExp(`<tr id="key-${k.id}">[\\s\\S]*?<td>revoked <time`));
  assert.doesNotMatch(keysTable(page.text), new RegExp(`name="key_id" value="${k.id}"`));
  assert.match((await admin.client.get('/admin/log/?action=key_revoke')).text, new RegExp(`script \\(${k.key.slice(0, 12)}…\\) of ${u.user.username}`));
  // Again: nothing changes, no second entry, the first time stands.
  assert.equal((await revoke(uid, k.id)).status, 303);
  assert.equal(Number(one("SELECT count(*) AS n FROM admin_log WHERE action = 'key_revoke'").n), logBefore + 1);
  assert.equal(one(`SELECT revoked_at FROM api_keys WHERE id = ${k.id}`).revoked_at, row.revoked_at);
});

test("a key that is not this user's is a 404 and stays usable; bad ids too; CSRF and non-admins refused", async () => {
  const a = await signedUpClient(server.url, 'owner');
  const b = await signedUpClient(server.url, 'stranger');
  const k = await newKey(a, 'mine');
  const bId = idOf(b.user.username);
  const n = Number(one('SELECT count(*) AS n FROM admin_log').n);
  assert.equal((await revoke(bId, k.id)).status, 404, "another user's key through this user's page");
  for (const bad of ['0', '-1', 'abc', '99999999', '9223372036854775808', ''])
    assert.equal((await revoke(bId, bad)).status, 404, `key_id ${bad}`);
  assert.equal((await admin.client.postForm(`/admin/users/${bId}/`, { csrf_token: await tokenOf(admin.client), action: 'revoke_key' })).status, 404, 'no key_id');
  assert.equal((await revoke(999999, k.id)).status, 404, 'no such user');
  assert.equal((await admin.client.postForm(`/admin/users/${idOf(a.user.username)}/`, { action: 'revoke_key', key_id: String(k.id) })).status, 403, 'no CSRF token');
  assert.equal((await revoke(idOf(a.user.username), k.id, b.client)).status, 403, 'a non-admin');
  const anon = await new Client(server.url).postForm(`/admin/users/${idOf(a.user.username)}/`, { action: 'revoke_key', key_id: String(k.id) });
  assert.notEqual(anon.status, 303);
  assert.equal(one(`SELECT revoked_at FROM api_keys WHERE id = ${k.id}`).revoked_at, null);
  assert.equal(Number(one('SELECT count(*) AS n FROM admin_log').n), n, 'nothing logged');
  await ask(k.key, 'still mine');
});

test("the admin message page shows an API call's key, request JSON and tool calls as text; the source filter has api", async () => {
  const u = await signedUpClient(server.url, 'apimsg');
  const k = await newKey(u, 'evil <b>key</b>');
  const payload = '<script>alert("q")</script>';
  await ask(k.key, payload, { x_note: '</pre><script>alert(2)</script>' });
  const tools = [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const tc = await api(k.key).chat.completions.create({ model: 'tool', messages: [{ role: 'user', content: 'weather?' }], tools });
  assert.equal(tc.choices[0].finish_reason, 'tool_calls');
  const uid = idOf(u.user.username);
  const rows = dbQuery(server, `SELECT id, role, source, request_json, tool_calls, api_key_id FROM messages WHERE user_id = ${uid} ORDER BY id`);
  assert.equal(rows.length, 4);
  assert.ok(rows.every((x) => x.source === 'api' && Number(x.api_key_id) === k.id));
  const q = await admin.client.get(`/admin/messages/${rows[0].id}/`);
  assert.equal(q.status, 200);
  assert.ok(!q.text.includes('<script>alert'), 'no script from the request');
  assert.ok(!q.text.includes('<b>key</b>'), 'the key name escaped');
  assert.match(q.text, /<dt>source<\/dt><dd>api<\/dd>/);
  const shownKey = /<dl class="fields" id="api-fields"><dt>API key<\/dt><dd>([\s\S]*?)<\/dd><\/dl>/.exec(q.text);
  assert.ok(shownKey, 'the API fields');
  assert.equal(shownKey[1], `evil &lt;b&gt;key&lt;/b&gt; (<code>${k.key.slice(0, 12)}…</code>, #${k.id})`);
  const req = /<pre class="admin-text" id="request-json">([\s\S]*?)<\/pre>/.exec(q.text);
  assert.ok(req, 'the request JSON');
  assert.equal(decodeEntities(req[1]), rows[0].request_json, 'the whole body as stored');
  assert.deepEqual(JSON.parse(decodeEntities(req[1])).x_note, '</pre><script>alert(2)</script>');
  // The answer with tool calls.
  const a = await admin.client.get(`/admin/messages/${rows[3].id}/`);
  const calls = /<pre class="admin-text" id="tool-calls">([\s\S]*?)<\/pre>/.exec(a.text);
  assert.ok(calls, 'the tool calls');
  assert.deepEqual(JSON.parse(decodeEntities(calls[1])), tc.choices[0].message.tool_calls);
  // After the key is revoked the message says so.
  assert.equal((await revoke(uid, k.id)).status, 303);
  assert.match((await admin.client.get(`/admin/messages/${rows[0].id}/`)).text, new RegExp(`#${k.id}, revoked\\)`));
  // A message from the web form has no API section.
  const web = dbQuery(server, "SELECT id FROM messages WHERE source <> 'api' LIMIT 1")[0];
  if (web) assert.doesNotMatch((await admin.client.get(`/admin/messages/${web.id}/`)).text, /id="api-fields"/);
  // The list: source=api is a filter value and has these rows.
  const list = await admin.client.get(`/admin/messages/?source=api&user=${encodeURIComponent(u.user.username)}`);
  assert.equal(list.status, 200);
  assert.match(list.text, /<p class="facet" data-filter="source">[\s\S]*?source=api[\s\S]*?<\/p>/);
  assert.deepEqual(rowIds(list.text).sort((x, y) => x - y), rows.map((x) => Number(x.id)));
  assert.ok(!list.text.includes('<script>alert'), 'the list escapes the content');
  const webOnly = await admin.client.get(`/admin/messages/?source=web&user=${encodeURIComponent(u.user.username)}`);
  assert.deepEqual(rowIds(webOnly.text), []);
});

test("the user page lists the user's sign-in identities, read-only", async () => {
  const { r, login, email } = await gitHubSignIn();
  assert.equal(r.status, 302, r.text.slice(0, 500));
  const uid = idOf(login);
  const page = await admin.client.get(`/admin/users/${uid}/`);
  const t = /<table class="admin-table" id="identities">([\s\S]*?)<\/table>/.exec(page.text);
  assert.ok(t, 'the identities table');
  assert.match(t[1], /<th>provider<\/th><th>e-mail<\/th><th>linked<\/th><th>last used<\/th>/);
  assert.match(t[1], new RegExp(`<tr><td>github</td><td>${email}</td><td><time[^>]*>[^<]*</time></td><td><time[^>]*>[^<]*</time></td></tr>`));
  assert.doesNotMatch(t[1], /<form|<button/, 'read-only');
  const plain = await signedUpClient(server.url, 'noident');
  assert.match((await admin.client.get(`/admin/users/${idOf(plain.user.username)}/`)).text, /No account at a sign-in provider is linked\./);
});

test("deactivation through the admin page refuses the user's key and provider sign-in at once; activation restores both", async () => {
  const s = await gitHubSignIn();
  assert.equal(s.r.status, 302);
  const uid = idOf(s.login);
  const u = { client: s.client };
  const k = await newKey(u, 'runner');
  await ask(k.key, 'before');
  assert.equal((await act(uid, 'deactivate')).status, 303);
  await assert.rejects(ask(k.key, 'after'), (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
  await assert.rejects(api(k.key).models.list(), OpenAI.AuthenticationError);
  const again = await gitHubSignIn(s.id, s.login, s.email);
  assert.equal(again.r.status, 403);
  assert.match(errorTexts(again.r.text).join(' '), /inactive/);
  assertNoSession(again.r);
  assert.equal(await isLoggedIn(again.client), false);
  assert.equal(await isLoggedIn(s.client), false, 'the live session ended');
  assert.equal(one(`SELECT revoked_at FROM api_keys WHERE id = ${k.id}`).revoked_at, null, 'refused, not revoked');
  assert.equal((await act(uid, 'activate')).status, 303);
  await ask(k.key, 'back');
  assert.equal((await gitHubSignIn(s.id, s.login, s.email)).r.status, 302);
});

/** Every table with a user_id column (or one ending so: link_user_id), from the
 * database's own catalogue; aliases that are no table's name (json_agg(t) in dbQuery). */
function userTables() {
  if (server.db.backend === 'postgres') {
    return dbQuery(server, "SELECT table_name AS tbl, column_name AS col FROM information_schema.columns WHERE table_schema = current_schema() AND column_name LIKE '%user_id'");
  }
  return dbQuery(server, "SELECT m.name AS tbl, p.name AS col FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND p.name LIKE '%user_id'");
}

test('deleting a user leaves no row of theirs in any table: keys, identities, reset tokens, messages, sessions', async () => {
  const s = await gitHubSignIn();
  assert.equal(s.r.status, 302);
  const uid = idOf(s.login);
  const u = { client: s.client };
  const k = await newKey(u, 'doomed');
  await ask(k.key, 'recorded');
  // A password reset request: the token row is made on a worker thread.
  const anon = new Client(server.url);
  const reset = await anon.submitForm('/accounts/password/reset/', 'email', { email: s.email });
  assert.equal(reset.status, 302, reset.text.slice(0, 300));
  for (let i = 0; i < 100 && !Number(one(`SELECT count(*) AS n FROM password_resets WHERE user_id = ${uid}`).n); i++) await new Promise((x) => setTimeout(x, 50));
  // A linking sign-in in progress (oauth_states.link_user_id).
  assert.equal((await pressButton(s.client, 'github', { page: '/accounts/social/connections/' })).status, 302);
  const tables = userTables();
  const names = tables.map((x) => `${x.tbl}.${x.col}`);
  for (const t of ['sessions.user_id', 'api_keys.user_id', 'identities.user_id', 'password_resets.user_id', 'messages.user_id', 'conversations.user_id', 'oauth_states.link_user_id'])
    assert.ok(names.includes(t), `${t} in ${names}`);
  const countAll = () => Object.fromEntries(tables.map(({ tbl, col }) => [`${tbl}.${col}`, Number(one(`SELECT count(*) AS n FROM ${tbl} WHERE ${col} = ${uid}`).n)]));
  const beforeDelete = countAll();
  for (const t of ['sessions.user_id', 'api_keys.user_id', 'identities.user_id', 'password_resets.user_id', 'messages.user_id', 'oauth_states.link_user_id'])
    assert.ok(beforeDelete[t] > 0, `the user has rows in ${t} before: the test can fail`);
  const confirm = await act(uid, 'delete');
  assert.equal(confirm.status, 200);
  assert.match(decodeEntities(confirm.text), /API keys, sign-in identities and password reset links/);
  const r = await admin.client.postForm(`/admin/users/${uid}/`, { csrf_token: await tokenOf(admin.client), action: 'delete', confirm: 'yes' });
  assert.equal(r.status, 303);
  const after = countAll();
  for (const [t, n] of Object.entries(after)) assert.equal(n, 0, `${t} still has ${n} rows of the deleted user`);
  assert.equal(Number(one(`SELECT count(*) AS n FROM users WHERE id = ${uid}`).n), 0);
  await assert.rejects(ask(k.key, 'gone'), OpenAI.AuthenticationError);
  // Their GitHub account is free again: a sign-in makes a new account.
  const back = await gitHubSignIn(s.id, s.login, s.email);
  assert.equal(back.r.status, 302);
  assert.notEqual(idOf(s.login), uid);
});
