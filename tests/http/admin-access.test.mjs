// admin-access.test.mjs - who may use the admin panel (docs/admin.md): every admin
// URL and every POST is 403 for a logged-in user who is not an administrator (and
// changes nothing), sends an anonymous visitor to the login page, refuses a form
// without its CSRF token (and changes nothing); the nav's Admin link is shown to
// administrators only, and leads to a page that works. Runs on both backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, Client } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { adminClient, ask, tokenOf } from '../lib/admin.mjs';

let fake, server, admin, plain, msg, victim;

before(async () => {
  fake = await startFakeProvider({ models: ['echo', 'fail-500'] });
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,fail-500' } });
  admin = await adminClient(server);
  plain = await signedUpClient(server.url, 'plain');
  victim = await signedUpClient(server.url, 'victim');
  await ask(server, victim.client, { question: 'a question to protect' });
  msg = Number(dbQuery(server, "SELECT min(id) AS id FROM messages WHERE role = 'user'")[0].id);
  const csrf_token = await tokenOf(victim.client, '/ask/');
  await victim.client.postMultipart('/ask/', { csrf_token, model: 'fail-500', question: 'this one fails' });
  victim.id = Number(dbQuery(server, `SELECT id FROM users WHERE username = '${victim.user.username}'`)[0].id);
});
after(async () => { await server?.stop(); await fake?.close(); });

// Every admin URL: GETs, and POSTs with the fields that would change something.
const gets = () => ['/admin/', '/admin/messages/', `/admin/messages/?q=question&sort=-time`, `/admin/messages/${msg}/`,
  '/admin/users/', `/admin/users/${victim.id}/`, '/admin/log/'];
const posts = () => [
  ['/admin/messages/delete/', [['ids', msg], ['confirm', 'yes']]],
  ['/admin/messages/delete/', [['ids', msg]]],
  [`/admin/messages/${msg}/`, [['content', 'changed'], ['role', 'assistant'], ['model', 'x']]],
  [`/admin/messages/${msg}/delete/`, []],
  ...['activate', 'deactivate', 'grant_admin', 'revoke_admin', 'delete'].map((a) => [`/admin/users/${victim.id}/`, [['action', a], ['confirm', 'yes']]]),
];
// What the POSTs would change, read before and after.
const state = () => JSON.stringify([
  dbQuery(server, `SELECT id, content, role, model FROM messages ORDER BY id`),
  dbQuery(server, `SELECT id, username, is_admin, is_active FROM users ORDER BY id`),
  dbQuery(server, `SELECT count(*) AS n FROM sessions WHERE user_id = ${victim.id}`),
  dbQuery(server, 'SELECT count(*) AS n FROM admin_log'),
]);

test("a user who is not an administrator: 403 on every admin URL and POST, nothing changed", async () => {
  const before = state();
  for (const path of gets()) {
    const r = await plain.client.get(path);
    assert.equal(r.status, 403, `GET ${path}`);
    assert.match(r.text, /This page is for administrators\./);
  }
  const token = await tokenOf(plain.client, '/ask/');
  for (const [path, fields] of posts()) {
    const r = await plain.client.postForm(path, [['csrf_token', token], ...fields]);
    assert.equal(r.status, 403, `POST ${path} ${JSON.stringify(fields)}`);
  }
  assert.equal(state(), before);
  // The same requests answer an administrator (so the list above is not all 404s).
  for (const path of gets()) assert.equal((await admin.client.get(path)).status, 200, `admin GET ${path}`);
});

test('an anonymous visitor is sent to the login page (with next=), GET or POST, nothing changed', async () => {
  const anon = new Client(server.url);
  for (const path of gets()) {
    const r = await anon.get(path);
    assert.equal(r.status, 302, `GET ${path}`);
    assert.equal(r.location, `/accounts/login/?next=${encodeURIComponent(new URL(path, server.url).pathname)}`);
  }
  const before = state();
  const token = await tokenOf(anon, '/accounts/login/');
  for (const [path, fields] of posts()) {
    const r = await anon.postForm(path, [['csrf_token', token], ...fields]);
    assert.equal(r.status, 302, `POST ${path}`);
    assert.match(r.location, /^\/accounts\/login\//);
  }
  assert.equal(state(), before);
});

test('every admin form without its CSRF token, or with another session\'s, is refused and changes nothing', async () => {
  const before = state();
  const other = await tokenOf(plain.client, '/ask/');
  for (const [path, fields] of posts()) {
    for (const token of [null, other, 'x'.repeat(43)]) {
      const r = await admin.client.postForm(path, token ? [['csrf_token', token], ...fields] : fields);
      assert.equal(r.status, 403, `POST ${path} with token ${token}`);
      assert.match(r.text, /security token/);
    }
  }
  assert.equal(state(), before);
  // Every form the admin pages show carries the token (so the refusal is of a
  // missing token, not of a form that never had one).
  const pages = ['/admin/messages/', `/admin/messages/${msg}/`, `/admin/users/${victim.id}/`];
  for (const p of pages) {
    const html = (await admin.client.get(p)).text;
    const postForms = [...html.matchAll(/<form method="post"[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0]);
    assert.ok(postForms.length > 0, p);
    for (const f of postForms) assert.match(f, /name="csrf_token" value="[^"]{20,}"/, `${p}: ${f.slice(0, 120)}`);
  }
});

test("the Admin link: shown to administrators only, and it works", async () => {
  assert.match((await admin.client.get('/')).text, /<a href="\/admin\/">Admin<\/a>/);
  assert.doesNotMatch((await plain.client.get('/')).text, /href="\/admin\//);
  assert.doesNotMatch((await new Client(server.url).get('/')).text, /href="\/admin\//);
  const page = await admin.client.get('/admin/');
  assert.equal(page.status, 200);
  assert.match(page.text, /<a href="\/admin\/" aria-current="page">Admin<\/a>/);
  assert.match(page.text, /<h1>Overview<\/h1>/);
});

test('the overview: totals, per model and per user, errors with links', async () => {
  const page = (await admin.client.get('/admin/')).text;
  const n = (sql) => Number(dbQuery(server, sql)[0].n);
  assert.match(page, new RegExp(`<dd id="total-users">${n('SELECT count(*) AS n FROM users')}</dd>`));
  assert.match(page, new RegExp(`<dd id="total-messages">${n('SELECT count(*) AS n FROM messages')}</dd>`));
  assert.match(page, new RegExp(`<dd id="total-tokens">${n('SELECT coalesce(sum(total_tokens), 0) AS n FROM messages')}</dd>`));
  assert.match(page, new RegExp(`<tr><td>echo</td><td class="n">${n("SELECT count(*) AS n FROM messages WHERE model = 'echo'")}</td>`));
  assert.match(page, new RegExp(`<tr><td>${victim.user.username}</td><td class="n">3</td>`));
  assert.match(page, /<dd id="total-errors">1<\/dd>/);
  const err = n("SELECT id AS n FROM messages WHERE status = 'error'");
  assert.match(page, new RegExp(`<table class="admin-table" id="errors">[\\s\\S]*<a href="/admin/messages/${err}/">${err}</a>[\\s\\S]*this one fails`));
});
