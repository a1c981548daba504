// Password hashing is done on one thread of its own with a bounded queue, so that
// guessing passwords cannot take the HTTP workers (web/hash_pool.c): a login that finds
// the queue full (HASH_QUEUE) is answered 503 with Retry-After, and the instance lets
// through at most LOGIN_RATE logins a minute, whatever the addresses (simulated with
// TRUST_PROXY=1 and X-Forwarded-For). A password change is throttled as a login is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { login, isLoggedIn, signedUpClient } from '../lib/flows.mjs';

const servers = [];
after(async () => { await Promise.all(servers.map((s) => s.stop())); });
async function server(env) {
  const s = await startServer({ env: { TRUST_PROXY: '1', ...env } });
  servers.push(s);
  return s;
}

/** A login form's POST from client address addr, the form read first; returns the response. */
async function loginFrom(url, addr, loginValue, password) {
  const c = new Client(url);
  const headers = { 'X-Forwarded-For': addr };
  const page = await c.request('GET', '/accounts/login/', { headers });
  const token = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(token, 'the login form has a CSRF token');
  return { c, post: () => c.postForm('/accounts/login/', { csrf_token: token, login: loginValue, password }, { headers }) };
}

test('LOGIN_RATE: the last login of the minute is answered, the next is 503 with Retry-After', async () => {
  const s = await server({ LOGIN_RATE: '4' });
  const { user } = await signedUpClient(s.url, 'rate');
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await (await loginFrom(s.url, `198.51.100.${i + 1}`, user.username, `Wrong-${i}-pass!`)).post()).status);
  assert.deepEqual(statuses, [400, 400, 400], 'wrong passwords from three addresses are answered');
  const fourth = await loginFrom(s.url, '198.51.100.4', user.username, user.password);
  const r4 = await fourth.post();
  assert.equal(r4.status, 302, 'the 4th login of the minute (the limit) is let through, and the right password works');
  assert.equal(await isLoggedIn(fourth.c), true);
  const r5 = await (await loginFrom(s.url, '198.51.100.5', user.username, user.password)).post();
  assert.equal(r5.status, 503, `the 5th login of the minute, from a new address: ${r5.status}`);
  assert.match(r5.headers.get('retry-after') || '', /^\d+$/);
});

test('HASH_QUEUE full: concurrent logins beyond it get 503 with Retry-After; the right password still works after', async () => {
  const s = await server({ HASH_QUEUE: '1' });
  const { user } = await signedUpClient(s.url, 'queue');
  const forms = await Promise.all(Array.from({ length: 12 }, (_, i) => loginFrom(s.url, `192.0.2.${i + 1}`, user.username, `Wrong-${i}-pass!`)));
  const rs = await Promise.all(forms.map((f) => f.post()));
  const statuses = rs.map((r) => r.status);
  assert.ok(statuses.every((st) => st === 400 || st === 503), `statuses: ${statuses}`);
  // At least the first is answered. Whether a second one is depends on whether the
  // hashing thread had taken the first off the queue when the second arrived (then
  // one hashes and one waits) or not (then the first fills the one waiting place).
  assert.ok(statuses.filter((st) => st === 400).length >= 1, `none answered: ${statuses}`);
  const busy = rs.filter((r) => r.status === 503);
  assert.ok(busy.length >= 1, `12 logins at once with one waiting place: none refused (${statuses})`);
  for (const r of busy) assert.match(r.headers.get('retry-after') || '', /^\d+$/, 'a 503 without Retry-After');
  const right = await loginFrom(s.url, '192.0.2.100', user.username, user.password);
  assert.equal((await right.post()).status, 302, 'a correct login after the burst');
  assert.equal(await isLoggedIn(right.c), true);
});

test('password change: the 10th wrong current password is answered 400, the 11th is 429, and so is the right one', async () => {
  const s = await server({});
  const { client, user } = await signedUpClient(s.url, 'change');
  const change = (old) => client.submitForm('/accounts/password/change/', 'oldpassword',
    { oldpassword: old, password1: `${user.password}N`, password2: `${user.password}N` });
  const statuses = [];
  for (let i = 0; i < 10; i++) statuses.push((await change(`Wrong-${i}-pass!`)).status);
  assert.deepEqual(statuses, Array(10).fill(400), `the first 10 wrong current passwords: ${statuses}`);
  const eleventh = await change('Wrong-10-pass!');
  assert.equal(eleventh.status, 429, `the 11th wrong current password: ${eleventh.status}`);
  const right = await change(user.password);
  assert.equal(right.status, 429, 'the right password got through a throttled account');
  // The password did not change: the old one is still the one (and its logins are throttled too).
  assert.equal((await login(new Client(s.url), user.username, `${user.password}N`)).status, 429);
});
