// admin-users.test.mjs - /admin/users/ and a user's page, and the admin log
// (docs/admin.md): the list and its search; deactivation ending a live session at
// once and refusing the login until activation; granting and revoking the admin
// right; deletion with its confirmation, taking the user's data and keeping their
// name in the log; an administrator refused their own removal; two administrators
// removing each other at once leave one; the log recording each action, filtered by
// administrator and action; XSS payloads in usernames and content shown as text in
// every admin table. Runs on both backends.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, dbExec, Client } from '../lib/server.mjs';
import { signedUpClient, login, isLoggedIn, newUser } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { adminClient, ask, tokenOf } from '../lib/admin.mjs';

let fake, server, admin;
const idOf = (name) => Number(dbQuery(server, `SELECT id FROM users WHERE username = '${name}'`)[0].id);
const one = (sql) => dbQuery(server, sql)[0];

before(async () => {
  fake = await startFakeProvider({ models: ['echo', 'fail-500'] });
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,fail-500' } });
  admin = await adminClient(server);
  admin.id = idOf(admin.user.username);
});
after(async () => { await server?.stop(); await fake?.close(); });

const act = async (id, action, extra = {}, client = admin.client) =>
  client.postForm(`/admin/users/${id}/`, { csrf_token: await tokenOf(client, `/admin/users/${id}/`), action, ...extra });

test('the list: every column, and the search by username or e-mail', async () => {
  const u = await signedUpClient(server.url, 'listed');
  await ask(server, u.client, { question: 'one question' });
  const id = idOf(u.user.username);
  const page = await admin.client.get('/admin/users/');
  assert.equal(page.status, 200);
  const row = new RegExp(`<tr><td><a href="/admin/users/${id}/">${u.user.username}</a></td><td>${u.user.email}</td><td>no</td>`
    + `<td>yes</td><td><time[^>]*>[^<]*</time></td><td><time[^>]*>[^<]*</time></td><td class="n">2</td><td class="n">(\\d+)</td></tr>`);
  const m = row.exec(page.text);
  assert.ok(m, 'the row');
  assert.equal(Number(m[1]), Number(one(`SELECT sum(total_tokens) AS n FROM messages WHERE user_id = ${id}`).n));
  assert.match(page.text, new RegExp(`<a href="/admin/users/${admin.id}/">${admin.user.username}</a></td><td>[^<]*</td><td>yes</td>`));
  const found = await admin.client.get(`/admin/users/?q=${u.user.username.slice(2, 9).toUpperCase()}`);
  assert.match(found.text, new RegExp(`>${u.user.username}<`));
  assert.doesNotMatch(found.text, new RegExp(`>${admin.user.username}</a></td>`));
  assert.match((await admin.client.get(`/admin/users/?q=${encodeURIComponent(u.user.email)}`)).text, new RegExp(`>${u.user.username}<`));
  // LIKE's own characters are plain text here.
  assert.match((await admin.client.get('/admin/users/?q=%25')).text, /No user matches/);
  assert.match((await admin.client.get('/admin/users/?q=_')).text, /No user matches/);
  assert.equal((await admin.client.get('/admin/users/999999/')).status, 404);
});

test('the list: filters (active, admin, joined) and sorting by each column, kept together in every link', async () => {
  const tag = `flt${Date.now() % 100000}`;
  const made = [];
  for (const name of ['a', 'b', 'c']) {
    const u = await signedUpClient(server.url, `${tag}${name}`);
    made.push({ ...u, id: idOf(u.user.username) });
  }
  const [a, b, c] = made;
  await ask(server, b.client, { question: 'b asks once' });
  await ask(server, c.client, { question: 'c asks' });
  await ask(server, c.client, { question: 'c asks again' });
  dbExec(server, `UPDATE users SET is_active = 0 WHERE id = ${a.id}`);
  dbExec(server, `UPDATE users SET is_admin = 1 WHERE id = ${b.id}`);
  dbExec(server, `UPDATE users SET created_at = created_at - ${40 * 86400000} WHERE id = ${c.id}`);
  const names = async (query) => {
    const r = await admin.client.get(`/admin/users/?q=${tag}&${query}`);
    assert.equal(r.status, 200, `${query}: ${r.text.slice(0, 300)}`);
    return [...r.text.matchAll(/<tr><td><a href="\/admin\/users\/\d+\/">([^<]+)<\/a>/g)].map((m) => m[1]);
  };
  const n = (u) => u.user.username;
  assert.deepEqual(await names(''), [n(a), n(b), n(c)], 'by username');
  assert.deepEqual(await names('active=no'), [n(a)]);
  assert.deepEqual(await names('active=yes'), [n(b), n(c)]);
  assert.deepEqual(await names('admin=yes'), [n(b)]);
  assert.deepEqual(await names('admin=no&active=yes'), [n(c)]);
  assert.deepEqual(await names('joined=30d'), [n(a), n(b)], 'c joined 40 days ago');
  assert.deepEqual(await names('joined=365d&sort=-joined'), [n(b), n(a), n(c)], 'newest first, the 40-day-old one within the year');
  assert.deepEqual(await names('sort=-messages'), [n(c), n(b), n(a)], 'most messages first');
  assert.deepEqual(await names('sort=messages'), [n(a), n(b), n(c)]);
  assert.deepEqual(await names('sort=-tokens'), [n(c), n(b), n(a)]);
  assert.deepEqual(await names('sort=joined'), [n(c), n(a), n(b)], 'the oldest account first');
  assert.deepEqual((await names('sort=-active')).slice(-1), [n(a)], 'the inactive one last');
  assert.deepEqual((await names('sort=-admin'))[0], n(b));
  assert.deepEqual(await names('sort=-email'), [n(c), n(b), n(a)]);
  assert.equal((await names('sort=last_login')).length, 3);
  // The headings sort, ascending first, then the other way; the filters stay in every link.
  const page = (await admin.client.get(`/admin/users/?q=${tag}&active=yes&sort=messages`)).text;
  assert.match(page, /<th aria-sort="ascending"><a href="\/admin\/users\/\?q=[^"&]+&amp;active=yes&amp;sort=-messages">messages ▲<\/a><\/th>/);
  assert.match(page, /<th><a href="\/admin\/users\/\?q=[^"&]+&amp;active=yes&amp;sort=tokens">tokens<\/a><\/th>/);
  assert.match(page, /<a href="\/admin\/users\/\?q=[^"&]+&amp;active=no&amp;sort=messages">no<\/a>/, 'a filter keeps the order');
  assert.match(page, /<input type="hidden" name="active" value="yes"><input type="hidden" name="sort" value="messages">/, 'the search keeps both');
  // Values the list does not know: 400, saying what it takes.
  for (const bad of ['active=maybe', 'admin=1', 'joined=2d', 'sort=password', 'sort=--joined', 'provider=github']) {
    const r = await admin.client.get(`/admin/users/?${bad}`);
    assert.equal(r.status, 400, bad);
    assert.match(r.text, /active and admin take yes or no/);
  }
});

test('adding a user: with a password (required without a mail server), under signup rules; logged; admins only', async () => {
  const page = await admin.client.get('/admin/users/');
  assert.match(page.text, /<a class="button" href="\/admin\/users\/new\/">Add a user<\/a>/);
  const form = await admin.client.get('/admin/users/new/');
  assert.match(form.text, /The mail server is not configured \(SMTP_URL\)/);
  const u = newUser('added');
  // Empty passwords: no mail server here, so refused with signup's reason.
  const empty = await admin.client.submitForm('/admin/users/new/', 'username', { username: u.username, email: u.email, password1: '', password2: '' });
  assert.equal(empty.status, 400);
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM users WHERE username = '${u.username}'`)[0].n, 0);
  const weak = await admin.client.submitForm('/admin/users/new/', 'username', { username: u.username, email: u.email, password1: 'password123', password2: 'password123' });
  assert.equal(weak.status, 400);
  assert.ok(!weak.text.includes('password123'), 'the password is not echoed');
  assert.match(weak.text, new RegExp(`value="${u.username}"`), 'the name is kept');
  const r = await admin.client.submitForm('/admin/users/new/', 'username', { username: u.username, email: u.email, password1: u.password, password2: u.password, admin: '1' });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  const id = idOf(u.username);
  assert.equal(r.location, `/admin/users/${id}/?added=1`);
  assert.match((await admin.client.get(r.location)).text, new RegExp(`<p class="notice" role="status">Added ${u.username}\\.</p>`));
  assert.equal(Number(one(`SELECT is_admin FROM users WHERE id = ${id}`).is_admin), 1);
  assert.equal((await login(new Client(server.url), u.username, u.password)).status, 302);
  assert.deepEqual(one(`SELECT admin_name, object_label, new_value FROM admin_log WHERE action = 'user_create' AND object_id = ${id}`),
    { admin_name: admin.user.username, object_label: u.username, new_value: 'with a password' });
  const again = await admin.client.submitForm('/admin/users/new/', 'username', { username: u.username.toUpperCase(), email: `x${u.email}`, password1: u.password, password2: u.password });
  assert.equal(again.status, 400);
  assert.match(again.text, /A user with that username already exists\./);
  // Not an administrator: 403; nobody: the login page.
  const plain = await signedUpClient(server.url, 'notadmin');
  assert.equal((await plain.client.get('/admin/users/new/')).status, 403);
  assert.equal((await new Client(server.url).get('/admin/users/new/')).status, 302);
});

test("an administrator changes a user's e-mail (checked, unique, logged, no longer proven) and sets their password", async () => {
  const u = await signedUpClient(server.url, 'acct');
  const other = await signedUpClient(server.url, 'acct2');
  const id = idOf(u.user.username);
  dbExec(server, `UPDATE users SET email_verified = 1 WHERE id = ${id}`);
  const page = (await admin.client.get(`/admin/users/${id}/`)).text;
  assert.match(page, new RegExp(`<form method="post" action="/admin/users/${id}/password/"`));
  const newEmail = `changed.${u.user.email}`;
  const r = await act(id, 'set_email', { email: newEmail });
  assert.equal(r.status, 303);
  assert.equal(r.location, `/admin/users/${id}/?done=set_email`);
  assert.deepEqual(one(`SELECT email, email_verified FROM users WHERE id = ${id}`), { email: newEmail, email_verified: 0 });
  assert.deepEqual(one(`SELECT field, old_value, new_value FROM admin_log WHERE action = 'user_edit' AND object_id = ${id}`),
    { field: 'email', old_value: u.user.email, new_value: newEmail });
  const taken = await act(id, 'set_email', { email: other.user.email.toUpperCase() });
  assert.equal(taken.status, 400);
  assert.match(taken.text, /A user is already registered with this e-mail address\./);
  const bad = await act(id, 'set_email', { email: 'not an address' });
  assert.equal(bad.status, 400);
  assert.equal(one(`SELECT email FROM users WHERE id = ${id}`).email, newEmail, 'refusals change nothing');
  assert.equal((await act(999999, 'set_email', { email: 'nobody@example.org' })).status, 404);

  // A password: signup's rules; set, it ends their sessions and works.
  const setPw = async (uid, p1, p2 = p1, client = admin.client) => client.postForm(`/admin/users/${uid}/password/`,
    { csrf_token: await tokenOf(client, `/admin/users/${uid}/`), password1: p1, password2: p2 });
  const weak = await setPw(id, 'password123');
  assert.equal(weak.status, 400);
  assert.ok(!weak.text.includes('password123'));
  assert.equal(await isLoggedIn(u.client), true, 'a refusal ends nothing');
  const pw = `Fresh-${u.user.password}`;
  const set = await setPw(id, pw);
  assert.equal(set.status, 303);
  assert.equal(set.location, `/admin/users/${id}/?done=set_password`);
  assert.equal(await isLoggedIn(u.client), false, 'their session ended');
  assert.equal((await login(new Client(server.url), u.user.username, pw)).status, 302, 'the new password works');
  assert.equal((await login(new Client(server.url), u.user.username, u.user.password)).status, 400, 'the old one not');
  assert.deepEqual(one(`SELECT old_value, new_value FROM admin_log WHERE action = 'user_set_password' AND object_id = ${id}`),
    { old_value: null, new_value: null }, 'logged without the password');
  assert.equal((await setPw(admin.id, pw)).status, 400, 'not their own: that is /accounts/password/change/');
  const csrf_token = await tokenOf(other.client, '/ask/');
  assert.equal((await other.client.postForm(`/admin/users/${id}/password/`, { csrf_token, password1: pw, password2: pw })).status, 403);
  assert.equal((await other.client.postForm(`/admin/users/${id}/`, { csrf_token, action: 'set_email', email: 'x@example.org' })).status, 403);
  assert.equal((await admin.client.postForm(`/admin/users/${id}/password/`, { password1: pw, password2: pw })).status, 403, 'no CSRF token');
  assert.equal((await setPw(999999, pw)).status, 404);
});

test('deactivation ends a live session at once and refuses the login; activation lets them in again', async () => {
  const u = await signedUpClient(server.url, 'deact');
  const id = idOf(u.user.username);
  const second = new Client(server.url); // a second live session of theirs
  assert.equal((await login(second, u.user.username, u.user.password)).status, 302);
  assert.ok(await isLoggedIn(u.client));
  const r = await act(id, 'deactivate');
  assert.equal(r.status, 303);
  assert.equal(r.location, `/admin/users/${id}/?done=deactivate`);
  assert.match((await admin.client.get(r.location)).text,
    new RegExp(`<p class="notice" role="status">Deactivated ${u.user.username}: every session of theirs has ended`));
  assert.equal(await isLoggedIn(u.client), false, 'the first session ended');
  assert.equal(await isLoggedIn(second), false, 'and the second');
  assert.equal(Number(one(`SELECT count(*) AS n FROM sessions WHERE user_id = ${id}`).n), 0);
  const again = await login(new Client(server.url), u.user.username, u.user.password);
  assert.equal(again.status, 400);
  assert.match(again.text, /This account is inactive\./);
  assert.match((await admin.client.get(`/admin/users/${id}/`)).text, /<dt>active<\/dt><dd>no<\/dd>/);
  // Deactivating again changes nothing and logs nothing.
  assert.equal((await act(id, 'deactivate')).status, 303);
  assert.equal(Number(one(`SELECT count(*) AS n FROM admin_log WHERE object_id = ${id} AND action = 'user_deactivate'`).n), 1);
  assert.equal((await act(id, 'activate')).status, 303);
  const back = new Client(server.url);
  assert.equal((await login(back, u.user.username, u.user.password)).status, 302);
  assert.ok(await isLoggedIn(back));
  const log = dbQuery(server, `SELECT action, field, old_value, new_value, admin_name, object_label FROM admin_log WHERE object_id = ${id} AND object_type = 'user' ORDER BY id`);
  assert.deepEqual(log, [
    { action: 'user_deactivate', field: 'is_active', old_value: '1', new_value: '0', admin_name: admin.user.username, object_label: u.user.username },
    { action: 'user_activate', field: 'is_active', old_value: '0', new_value: '1', admin_name: admin.user.username, object_label: u.user.username },
  ]);
});

test('granting and revoking the admin right: the new administrator sees the panel, then does not', async () => {
  const u = await signedUpClient(server.url, 'grant');
  const id = idOf(u.user.username);
  assert.equal((await u.client.get('/admin/')).status, 403);
  assert.equal((await act(id, 'grant_admin')).status, 303);
  assert.equal((await u.client.get('/admin/')).status, 200, 'at the next request');
  assert.equal((await act(id, 'revoke_admin')).status, 303);
  assert.equal((await u.client.get('/admin/')).status, 403);
  assert.deepEqual(dbQuery(server, `SELECT action, old_value, new_value FROM admin_log WHERE object_id = ${id} AND object_type = 'user' ORDER BY id`), [
    { action: 'user_grant_admin', old_value: '0', new_value: '1' }, { action: 'user_revoke_admin', old_value: '1', new_value: '0' }]);
  assert.equal((await act(id, 'promote')).status, 400);
  assert.equal((await act(999999, 'activate')).status, 404);
});

test('an administrator cannot remove their own right, deactivate or delete themselves', async () => {
  const page = await admin.client.get(`/admin/users/${admin.id}/`);
  assert.match(page.text, /This is you/);
  assert.doesNotMatch(page.text, /name="action" value="(deactivate|revoke_admin|delete)"/);
  const logged = Number(one('SELECT count(*) AS n FROM admin_log').n);
  for (const action of ['revoke_admin', 'deactivate', 'delete']) {
    const r = await act(admin.id, action, { confirm: 'yes' });
    assert.equal(r.status, 400, action);
    assert.match(r.text, /You cannot remove your own admin right, deactivate or delete yourself\./);
  }
  assert.deepEqual(one(`SELECT is_admin, is_active FROM users WHERE id = ${admin.id}`), { is_admin: 1, is_active: 1 });
  assert.equal(Number(one('SELECT count(*) AS n FROM admin_log').n), logged);
  assert.ok(await isLoggedIn(admin.client));
});

test('two administrators removing each other at once: one succeeds, one active administrator stays', async () => {
  for (let round = 0; round < 4; round++) {
    // Only these two are active administrators: the others are set aside meanwhile.
    const a = await adminClient(server, 'pa');
    const b = await adminClient(server, 'pb');
    const ia = idOf(a.user.username), ib = idOf(b.user.username);
    dbExec(server, `UPDATE users SET is_active = 0 WHERE is_admin = 1 AND id NOT IN (${ia}, ${ib})`);
    const action = round % 2 ? 'revoke_admin' : 'deactivate';
    const [ta, tb] = [await tokenOf(a.client, `/admin/users/${ib}/`), await tokenOf(b.client, `/admin/users/${ia}/`)];
    const [ra, rb] = await Promise.all([
      a.client.postForm(`/admin/users/${ib}/`, { csrf_token: ta, action }),
      b.client.postForm(`/admin/users/${ia}/`, { csrf_token: tb, action }),
    ]);
    const ok = [ra, rb].filter((r) => r.status === 303).length;
    assert.ok(ok <= 1, `round ${round}: both ${action} succeeded`);
    const left = Number(one(`SELECT count(*) AS n FROM users WHERE is_admin = 1 AND is_active = 1 AND id IN (${ia}, ${ib})`).n);
    assert.equal(left, 1 + (ok === 0 ? 1 : 0), `round ${round}`);
    for (const r of [ra, rb]) if (r.status === 400) assert.match(r.text, /last active administrator/);
    dbExec(server, `UPDATE users SET is_active = 1 WHERE id = ${admin.id}`);
  }
});

test('an administrator demoted just before acting changes nothing: 403', async () => {
  // Demoted between the page and the POST; the same check runs inside the action's
  // transaction, under the administrators' lock (tests/unit/test_admin.c covers the
  // demotion that lands after the session was read).
  const a = await adminClient(server, 'demoted');
  const ia = idOf(a.user.username);
  const u = await signedUpClient(server.url, 'target');
  const id = idOf(u.user.username);
  const token = await tokenOf(a.client, `/admin/users/${id}/`);
  dbExec(server, `UPDATE users SET is_admin = 0 WHERE id = ${ia}`);
  const logged = Number(one('SELECT count(*) AS n FROM admin_log').n);
  for (const action of ['grant_admin', 'deactivate']) {
    const r = await a.client.postForm(`/admin/users/${id}/`, { csrf_token: token, action });
    assert.equal(r.status, 403, action);
  }
  assert.deepEqual(one(`SELECT is_admin, is_active FROM users WHERE id = ${id}`), { is_admin: 0, is_active: 1 });
  assert.equal(Number(one('SELECT count(*) AS n FROM admin_log').n), logged);
});

test('deleting a user: a confirmation page, then the user and all their data go; the log keeps the names', async () => {
  const u = await signedUpClient(server.url, 'gone');
  await ask(server, u.client, { question: 'soon deleted' });
  const id = idOf(u.user.username);
  const confirm = await act(id, 'delete');
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, new RegExp(`<h1>Delete ${u.user.username}\\?</h1>`));
  assert.match(confirm.text, /1 conversations, 2 messages/);
  assert.match(confirm.text, /<input type="hidden" name="confirm" value="yes">/);
  assert.equal(Number(one(`SELECT count(*) AS n FROM users WHERE id = ${id}`).n), 1, 'not yet');
  const r = await act(id, 'delete', { confirm: 'yes' });
  assert.equal(r.status, 303);
  assert.equal(r.location, '/admin/users/?deleted=1');
  for (const t of ['users WHERE id', 'messages WHERE user_id', 'conversations WHERE user_id', 'sessions WHERE user_id']) {
    assert.equal(Number(one(`SELECT count(*) AS n FROM ${t} = ${id}`).n), 0, t);
  }
  assert.equal(await isLoggedIn(u.client), false);
  const log = one(`SELECT admin_name, object_label, old_value FROM admin_log WHERE action = 'user_delete' AND object_id = ${id}`);
  assert.deepEqual(log, { admin_name: admin.user.username, object_label: u.user.username, old_value: '1 conversations, 2 messages' });
  // An administrator deleted later: their entries still name them.
  const other = await adminClient(server, 'later');
  const oid = idOf(other.user.username);
  const v = await signedUpClient(server.url, 'vict');
  assert.equal((await act(idOf(v.user.username), 'deactivate', {}, other.client)).status, 303);
  assert.equal((await act(oid, 'delete', { confirm: 'yes' })).status, 303);
  const page = await admin.client.get(`/admin/log/?admin=${other.user.username}`);
  assert.match(page.text, new RegExp(`<td>${other.user.username}</td><td data-action="user_deactivate">deactivated</td><td><a href="/admin/users/\\d+/">user ${v.user.username}</a>`));
});

test('the admin log: newest first, every action, filtered by administrator and action', async () => {
  const page = await admin.client.get('/admin/log/');
  assert.equal(page.status, 200);
  const actions = [...page.text.matchAll(/<\/time><\/td><td>[^<]*<\/td><td data-action="([a-z_]+)">[^<]+<\/td>/g)].map((m) => m[1]);
  const want = dbQuery(server, 'SELECT action FROM admin_log ORDER BY id DESC LIMIT 50').map((r) => r.action);
  assert.deepEqual(actions, want);
  // Each action reads as words, in the table and in the filter.
  const readable = { user_activate: 'activated', user_deactivate: 'deactivated', user_grant_admin: 'granted admin',
    user_revoke_admin: 'revoked admin', user_delete: 'deleted the user' };
  for (const [a, words] of Object.entries(readable)) {
    assert.ok(page.text.includes(`<td data-action="${a}">${words}</td>`), a);
    assert.ok(page.text.includes(`<a href="/admin/log/?action=${a}">${words}</a>`), `${a} filter`);
  }
  assert.doesNotMatch(page.text, /<td>user_[a-z_]+<\/td>/, 'no raw action name shown');
  for (const a of ['user_activate', 'user_deactivate', 'user_grant_admin', 'user_revoke_admin', 'user_delete']) {
    assert.ok(actions.includes(a), a);
    const only = await admin.client.get(`/admin/log/?action=${a}`);
    const got = [...only.text.matchAll(/<\/time><\/td><td>[^<]*<\/td><td data-action="([a-z_]+)">[^<]+<\/td>/g)].map((m) => m[1]);
    assert.ok(got.length > 0 && got.every((x) => x === a), a);
  }
  const mine = await admin.client.get(`/admin/log/?admin=${admin.user.username}&action=user_delete`);
  const who = [...mine.text.matchAll(/<\/time><\/td><td>([^<]*)<\/td><td data-action="user_delete">deleted the user<\/td>/g)].map((m) => m[1]);
  assert.ok(who.length >= 2 && who.every((x) => x === admin.user.username));
  assert.match(mine.text, /href="\/admin\/log\/\?action=user_delete"/, 'the link back to every administrator');
  // The log cannot be changed from the web: no route takes a POST.
  const token = await tokenOf(admin.client, '/admin/log/');
  assert.equal((await admin.client.postForm('/admin/log/', { csrf_token: token })).status, 405);
});

test('XSS payloads in usernames and content are text in every admin table', async () => {
  const u = await signedUpClient(server.url, 'xss');
  const payload = '<img src=x onerror=alert(1)>';
  await ask(server, u.client, { question: `look ${payload} here` });
  const csrf_token = await tokenOf(u.client, '/ask/');
  await u.client.postMultipart('/ask/', { csrf_token, model: 'fail-500', question: `fail ${payload}` });
  // A username the signup form would refuse, as an older import could have left it.
  const name = `<script>alert(1)</script>${u.user.username}`;
  dbExec(server, `UPDATE users SET username = '${name}', email = '"><svg onload=alert(2)>@x.test' WHERE username = '${u.user.username}'`);
  const id = Number(one(`SELECT id FROM users WHERE username = '${name}'`).id);
  assert.equal((await act(id, 'grant_admin')).status, 303); // the name in the log
  assert.equal((await act(id, 'revoke_admin')).status, 303);
  const msg = Number(one(`SELECT min(id) AS id FROM messages WHERE user_id = ${id}`).id);
  const edited = await admin.client.postForm(`/admin/messages/${msg}/`, { csrf_token: await tokenOf(admin.client), content: `edited ${payload}`, role: 'user', model: '<b>m</b>' });
  assert.equal(edited.status, 303);
  const token = await tokenOf(admin.client, '/admin/messages/');
  const pages = [
    ['/admin/', 'GET'], ['/admin/messages/', 'GET'], [`/admin/messages/?q=${encodeURIComponent(payload)}`, 'GET'],
    [`/admin/messages/?user=${encodeURIComponent(name)}`, 'GET'], [`/admin/messages/${msg}/`, 'GET'],
    ['/admin/users/', 'GET'], [`/admin/users/${id}/`, 'GET'], ['/admin/log/', 'GET'],
    [`/admin/log/?admin=${encodeURIComponent(admin.user.username)}`, 'GET'],
  ];
  const bodies = [];
  for (const [p] of pages) {
    const r = await admin.client.get(p);
    assert.equal(r.status, 200, p);
    bodies.push([p, r.text]);
  }
  const confirm = await admin.client.postForm('/admin/messages/delete/', [['csrf_token', token], ['ids', msg]]);
  bodies.push(['bulk confirmation', confirm.text]);
  bodies.push(['user deletion confirmation', (await act(id, 'delete')).text]);
  for (const [p, html] of bodies) {
    for (const bad of ['<script>alert(1)', '<img src=x', '<svg onload', '<b>m</b>']) assert.ok(!html.includes(bad), `${p} holds ${bad}`);
  }
  const has = (p, s) => assert.ok(bodies.find(([q]) => q === p)[1].includes(s), `${p} shows ${s}`);
  const esc = '&lt;script&gt;alert(1)&lt;/script&gt;';
  for (const p of ['/admin/messages/', '/admin/users/', `/admin/users/${id}/`, '/admin/log/', `/admin/messages/${msg}/`, 'bulk confirmation', 'user deletion confirmation', '/admin/']) has(p, esc);
  for (const p of ['/admin/messages/', `/admin/messages/${msg}/`, 'bulk confirmation']) has(p, '&lt;img src=x onerror=alert(1)&gt;');
  has('/admin/log/', 'edited &lt;img src=x onerror=alert(1)&gt;');
  has(`/admin/users/${id}/`, '&quot;&gt;&lt;svg onload=alert(2)&gt;@x.test');
  has(`/admin/messages/${msg}/`, '&lt;b&gt;m&lt;/b&gt;');
});
