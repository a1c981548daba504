// api-keys.test.mjs - API keys (docs/api.md): the page /accounts/keys/ (create with
// a name and an optional expiry, the key shown once, the list, revoke at once, CSRF,
// another user's key a 404, names escaped) and the CLI `llmmeta apikey` that
// operators and the bench use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { startServer, dbQuery, dbExec, runCli, createUser, uniq, forms, errorTexts, decodeEntities } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice, bob;

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  alice = await signedUpClient(server.url, 'alice');
  bob = await signedUpClient(server.url, 'bob');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

const api = (key) => new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
const keyIn = (html) => /<code class="api-key" id="new-key">(llmk-[A-Za-z0-9_-]+)<\/code>/.exec(html)?.[1];
const keysOf = (username) => dbQuery(server, `SELECT k.* FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.username = '${username}' ORDER BY k.id`);

/** Creates a key through the form: a refusal's page (400), or, after the redirect a
 * creation answers with (303), the list showing the new key. */
async function createKey(who, fields) {
  const r = await who.client.submitForm('/accounts/keys/', 'name', fields);
  if (r.status !== 303) return r;
  assert.equal(r.location, '/accounts/keys/?created=1');
  return who.client.get(r.location);
}

/** The revoke form of key id on the page the user sees. */
async function revokeForm(who, id) {
  const page = await who.client.get('/accounts/keys/');
  return forms(page.text).find((f) => f.attrs.action === `/accounts/keys/${id}/revoke/`);
}

test('the keys page asks anonymous visitors to log in', async () => {
  const r = await fetch(`${server.url}/accounts/keys/`, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.match(r.headers.get('location'), /^\/accounts\/login\/\?next=/);
});

test('a key is created, shown once, stored as its SHA-256 only, and works at once', async () => {
  const empty = await alice.client.get('/accounts/keys/');
  assert.equal(empty.status, 200);
  assert.match(empty.text, /You have no keys yet/);
  const r = await createKey(alice, { name: 'notebook', expires_days: '' });
  assert.equal(r.status, 200, r.text.slice(0, 500));
  const key = keyIn(r.text);
  assert.match(key, /^llmk-[A-Za-z0-9_-]{43}$/); // 256 random bits in base64url
  assert.match(r.text, /<button type="button" class="secondary small" data-copy="new-key" hidden>Copy<\/button>/);
  const [row] = keysOf(alice.user.username);
  assert.equal(row.name, 'notebook');
  assert.equal(row.key_hash, createHash('sha256').update(key).digest('hex'));
  assert.equal(row.prefix, key.slice(0, 12));
  assert.equal(row.expires_at, null);
  assert.ok(!JSON.stringify(dbQuery(server, 'SELECT * FROM api_keys')).includes(key.slice(12)), 'the key itself is nowhere');
  // Shown once: the list shows the name and the prefix, never the key again; a
  // reload of the page the creation led to shows no key and makes none.
  assert.equal((await alice.client.get('/accounts/keys/?created=1')).text.includes(key), false, 'shown again on a reload');
  assert.match((await alice.client.get('/accounts/keys/?created=1')).text, /The new key was shown once/);
  assert.equal(keysOf(alice.user.username).length, 1, 'a reload made no key');
  const list = await alice.client.get('/accounts/keys/');
  assert.ok(!list.text.includes(key));
  // Revoke is marked destructive and asks first (assets/keys.js); Copy comes with the script.
  assert.match(list.text, /<button type="submit" class="danger" data-confirm="Revoke the key “notebook”\? Programs using it are refused from then on\.">Revoke<\/button>/);
  assert.match(list.text, /<script src="\/static\/keys\.js\?v=[0-9a-f]+" defer><\/script>/);
  assert.ok(list.text.includes(`${key.slice(0, 12)}`));
  assert.match(list.text, /notebook/);
  // It works, and the list counts its calls.
  await api(key).chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'hi' }] });
  const after = await alice.client.get('/accounts/keys/');
  const rowHtml = /<tr><td>notebook<\/td>[\s\S]*?<\/tr>/.exec(after.text)[0];
  assert.match(rowHtml, /<td>1<\/td>/);
  assert.equal((rowHtml.match(/never/g) || []).length, 1, 'expires never, used now');
});

test('the name and expiry are checked at their limits', async () => {
  const ok100 = await createKey(alice, { name: 'n'.repeat(100), expires_days: '3650' });
  assert.equal(ok100.status, 200);
  const [row] = keysOf(alice.user.username).filter((k) => k.name === 'n'.repeat(100));
  assert.ok(Math.abs(row.expires_at - (Date.now() + 3650 * 86400000)) < 60000);
  for (const [fields, what] of [[{ name: 'n'.repeat(101) }, /at most 100/], [{ name: '  ' }, /required/],
    [{ name: 'x', expires_days: '3651' }, /1 to 3650/], [{ name: 'x', expires_days: '0' }, /1 to 3650/], [{ name: 'x', expires_days: 'soon' }, /1 to 3650/]]) {
    const n = keysOf(alice.user.username).length;
    const r = await createKey(alice, { expires_days: '', ...fields });
    assert.equal(r.status, 400, JSON.stringify(fields));
    assert.match(errorTexts(r.text).join(' '), what);
    assert.equal(keyIn(r.text), undefined);
    assert.equal(keysOf(alice.user.username).length, n);
  }
});

test('a name is text, never markup', async () => {
  const r = await createKey(alice, { name: '<script>alert(1)</script>' });
  assert.equal(r.status, 200);
  assert.ok(!r.text.includes('<script>alert(1)'));
  assert.ok(r.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
});

test('revoking a key refuses it from the next request on', async () => {
  const key = keyIn((await createKey(alice, { name: 'to-revoke' })).text);
  const client = api(key);
  await client.models.list();
  const id = keysOf(alice.user.username).find((k) => k.name === 'to-revoke').id;
  const form = await revokeForm(alice, id);
  const r = await alice.client.postForm(form.attrs.action, form.hidden);
  assert.equal(r.status, 303);
  assert.equal(r.location, '/accounts/keys/');
  await assert.rejects(client.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
  await assert.rejects(client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }), OpenAI.AuthenticationError);
  const page = await alice.client.get('/accounts/keys/');
  assert.match(/<tr><td>to-revoke<\/td>[\s\S]*?<\/tr>/.exec(page.text)[0], /revoked/);
  assert.equal(await revokeForm(alice, id), undefined, 'no revoke button for a revoked key');
});

test('another user\'s key is a 404 to revoke, and keeps working', async () => {
  const key = keyIn((await createKey(alice, { name: 'mine' })).text);
  const id = keysOf(alice.user.username).find((k) => k.name === 'mine').id;
  const bobsPage = await bob.client.get('/accounts/keys/');
  assert.ok(!bobsPage.text.includes('mine'), 'bob does not see it');
  const token = forms(bobsPage.text)[0].hidden.csrf_token;
  const r = await bob.client.postForm(`/accounts/keys/${id}/revoke/`, { csrf_token: token });
  assert.equal(r.status, 404);
  assert.equal(keysOf(alice.user.username).find((k) => k.id === id).revoked_at, null);
  await api(key).models.list();
  const none = await bob.client.postForm('/accounts/keys/999999/revoke/', { csrf_token: token });
  assert.equal(none.status, 404);
});

test('creating and revoking need the CSRF token', async () => {
  const n = keysOf(alice.user.username).length;
  const r = await alice.client.postForm('/accounts/keys/', { name: 'forged' });
  assert.equal(r.status, 403);
  assert.equal(keysOf(alice.user.username).length, n);
  const id = keysOf(alice.user.username).find((k) => k.revoked_at === null).id;
  const rv = await alice.client.postForm(`/accounts/keys/${id}/revoke/`, {});
  assert.equal(rv.status, 403);
  assert.equal(keysOf(alice.user.username).find((k) => k.id === id).revoked_at, null);
  // A session cookie is not an API key.
  const viaCookie = await alice.client.get('/v1/models');
  assert.equal(viaCookie.status, 401);
});

test('llmmeta apikey prints a new key for a user, usable at once', async () => {
  const username = uniq('cli');
  await createUser(server, { username, email: `${username}@example.org`, password: 'a-long-password-42' });
  const r = await runCli(['apikey', '--username', username, '--name', 'bench', '--expires-days', '1'], { env: server.env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^llmk-[A-Za-z0-9_-]{43}\n$/);
  const key = r.stdout.trim();
  const [row] = keysOf(username);
  assert.equal(row.name, 'bench');
  assert.ok(Math.abs(row.expires_at - (Date.now() + 86400000)) < 60000);
  await api(key).models.list();
  const help = await runCli(['apikey', '--help'], { env: server.env });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: llmmeta apikey/);
});

test('llmmeta apikey refuses what it cannot do, in one line', async () => {
  for (const [args, what] of [
    [['--username', 'nobody-here', '--name', 'x'], /no user named nobody-here/],
    [['--username', alice.user.username], /needs --username and --name/],
    [['--username', alice.user.username, '--name', 'x', '--expires-days', '0'], /1 to 3650/],
    [['--username', alice.user.username, '--name', 'x', '--expires-days', '3651'], /1 to 3650/],
    [['--username', alice.user.username, '--name', ''], /1 to 100 characters/],
  ]) {
    const r = await runCli(['apikey', ...args], { env: server.env });
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, what);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const ok = await runCli(['apikey', '--username', alice.user.username, '--name', 'x', '--expires-days', '3650'], { env: server.env });
  assert.equal(ok.code, 0, ok.stderr);
});

test('a key whose expiry has passed is refused by /v1/models and /v1/chat/completions', async () => {
  const key = keyIn((await createKey(alice, { name: 'expiring', expires_days: '1' })).text);
  const id = keysOf(alice.user.username).find((k) => k.name === 'expiring').id;
  const call = (path, body) => fetch(`${server.url}/v1/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { Authorization: `Bearer ${key}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body && JSON.stringify(body),
  });
  const chat = { model: 'echo', messages: [{ role: 'user', content: 'expired?' }] };
  // Last accepted: an expiry still a minute ahead.
  dbExec(server, `UPDATE api_keys SET expires_at = ${Date.now() + 60000} WHERE id = ${id}`);
  assert.equal((await call('models')).status, 200);
  assert.equal((await call('chat/completions', chat)).status, 200);
  // First refused: an expiry just passed.
  dbExec(server, `UPDATE api_keys SET expires_at = ${Date.now() - 1} WHERE id = ${id}`);
  for (const [path, body] of [['models'], ['chat/completions', chat]]) {
    const r = await call(path, body);
    assert.equal(r.status, 401, path);
    assert.equal((await r.json()).error.code, 'invalid_api_key', path);
  }
});
