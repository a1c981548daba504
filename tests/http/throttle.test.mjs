// Login throttling: after repeated wrong passwords for one account (10 per 15 minutes)
// the login answers 429, even with the right password, and sets no session; whatever
// identifier (username in any case, e-mail) is typed. Also per address: many failures
// from one address (for many accounts) block logins from it; X-Forwarded-For is ignored.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { login, isLoggedIn, signedUpClient } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('failures typed with the e-mail and the username count for the same account', async () => {
  const { user } = await signedUpClient(server.url, 'mixed');
  const statuses = [];
  for (let i = 0; i < 12; i++) {
    const id = [user.username, user.email, user.username.toUpperCase()][i % 3];
    statuses.push((await login(new Client(server.url), id, `Wrong-${i}-pass!`)).status);
  }
  assert.equal(statuses.at(-1), 429, `alternating username / e-mail / USERNAME: ${statuses}`);
  for (const id of [user.username, user.email]) {
    assert.equal((await login(new Client(server.url), id, user.password)).status, 429, `right password as ${id} after 12 failures`);
  }
});

test('15 wrong passwords → 429, then the right password is refused with 429 too', async () => {
  const { user } = await signedUpClient(server.url, 'throttle');
  const c = new Client(server.url);
  const statuses = [];
  for (let i = 0; i < 15; i++) statuses.push((await login(c, user.username, `Wrong-${i}-pass!`)).status);
  assert.deepEqual(statuses.slice(0, 5), [400, 400, 400, 400, 400], `first attempts: ${statuses}`);
  assert.ok(statuses.every((s) => s === 400 || s === 429), `unexpected statuses: ${statuses}`);
  assert.equal(statuses.at(-1), 429, `statuses: ${statuses}`);
  const first429 = statuses.indexOf(429);
  assert.ok(first429 >= 0 && first429 <= 10, `429 should start by the 11th attempt, statuses: ${statuses}`);
  assert.ok(statuses.slice(first429).every((s) => s === 429), `once throttled, stays throttled: ${statuses}`);

  const right = await login(c, user.username, user.password);
  assert.equal(right.status, 429, 'the right password got through a throttled account');
  assert.ok(!right.setCookies.some((s) => /^llmmeta_session=[^;]/.test(s)), 'a session cookie was set while throttled');
  assert.equal(await isLoggedIn(c), false);

  // Throttling is per account, whatever identifier is typed: the e-mail is throttled too.
  const byEmail = await login(new Client(server.url), user.email, user.password);
  assert.equal(byEmail.status, 429, 'logging in by e-mail bypasses the account throttle');
});

// Last: it blocks the whole address for the rest of this server's life.
test('many failures from one address block every login from it; X-Forwarded-For does not help', async () => {
  const { user } = await signedUpClient(server.url, 'victim');
  const statuses = [];
  for (let i = 0; i < 110 && statuses.at(-1) !== 429; i++) {
    statuses.push((await login(new Client(server.url), `nobody-${i}@mail.test`, 'Wrong-pass-1!')).status);
  }
  assert.equal(statuses.at(-1), 429, `110 failed logins for different names from one address never answered 429`);
  assert.ok(statuses.slice(0, -1).every((s) => s === 400), `statuses: ${statuses}`);
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 429, 'address throttle lets a login through');
  const c = new Client(server.url);
  const { form } = await c.getForm('/accounts/login/', 'password');
  const r = await c.postForm('/accounts/login/', { ...form.hidden, login: user.username, password: user.password },
    { headers: { 'X-Forwarded-For': '203.0.113.7', 'X-Real-IP': '203.0.113.7' } });
  assert.equal(r.status, 429, 'a spoofed X-Forwarded-For escaped the address throttle (TRUST_PROXY is off)');
});
