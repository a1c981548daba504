// Bad input gets a clear 4xx and leaves the server and the data intact: malformed form
// encodings, invalid UTF-8, NUL bytes, over-long values, too many fields, broken
// multipart, huge headers; and concurrent signups for one username create one account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawRequest, errorTexts } from '../lib/server.mjs';
import { newUser, login, isLoggedIn } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** POST a raw urlencoded signup body (with a valid csrf token); `extra` is appended as is. */
async function rawSignup(extra) {
  const c = new Client(server.url);
  const { form } = await c.getForm('/accounts/signup/', 'password1');
  const body = `csrf_token=${encodeURIComponent(form.hidden.csrf_token)}&${extra}`;
  const r = await c.request('POST', '/accounts/signup/', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
  return { r, c };
}
const enc = encodeURIComponent;

test('invalid UTF-8 and broken percent-encoding answer 400 and create nobody', async () => {
  const u = newUser('utf');
  for (const name of [`${u.username}%FF%FE`, `${u.username}%C3`, `${u.username}%zz`, `${u.username}%`]) {
    const { r, c } = await rawSignup(`username=${name}&email=${enc(u.email)}&password1=${enc(u.password)}&password2=${enc(u.password)}`);
    assert.equal(r.status, 400, `username=${name} → ${r.status}`);
    assert.equal(await isLoggedIn(c), false);
  }
  const { r } = await rawSignup(`username=${u.username}&email=${enc(u.email)}&password1=${enc(u.password)}&password2=${enc(u.password)}`);
  assert.equal(r.status, 302, 'the clean signup afterwards must work (nothing half-created)');
});

test('a NUL byte in the username is refused, not silently cut off', async () => {
  const u = newUser('nul');
  const { r } = await rawSignup(`username=${u.username}%00evil&email=${enc(u.email)}&password1=${enc(u.password)}&password2=${enc(u.password)}`);
  assert.equal(r.status, 400, `username "${u.username}\\0evil" → ${r.status} (stored as "${u.username}"?)`);
  assert.notEqual((await login(new Client(server.url), u.username, u.password)).status, 302, `a user "${u.username}" was created`);
});

test('a NUL byte in the password is refused or kept, never truncated', async () => {
  const u = newUser('nulpw');
  const pw = `${enc(u.password)}%00tail-that-matters`;
  const { r } = await rawSignup(`username=${u.username}&email=${enc(u.email)}&password1=${pw}&password2=${pw}`);
  assert.ok([302, 400].includes(r.status), `→ ${r.status}`);
  if (r.status === 302) {
    assert.notEqual((await login(new Client(server.url), u.username, u.password)).status, 302,
      'the password before the NUL byte logs in: the password was truncated');
  }
});

test('an over-long username is a form error naming the limit', async () => {
  const u = newUser('long');
  const { r } = await rawSignup(`username=${'a'.repeat(10000)}&email=${enc(u.email)}&password1=${enc(u.password)}&password2=${enc(u.password)}`);
  assert.equal(r.status, 400);
  assert.match(errorTexts(r.text).join(' '), /150|long|at most/i);
});

test('usernames outside letters, digits and @ . + - _ are refused', async () => {
  for (const name of ['has space', 'tab\tx', 'new\nline', 'a/b', '\u202Ertl', 'semi;colon']) {
    const u = newUser('chars');
    const { r } = await rawSignup(`username=${enc(name)}&email=${enc(u.email)}&password1=${enc(u.password)}&password2=${enc(u.password)}`);
    assert.equal(r.status, 400, `username ${JSON.stringify(name)} → ${r.status}`);
  }
});

test('too many fields, a broken multipart body and a huge header get a 4xx; the server lives on', async () => {
  const c = new Client(server.url);
  const { form } = await c.getForm('/accounts/login/', 'password');
  const many = await c.postForm('/accounts/login/', [['csrf_token', form.hidden.csrf_token],
    ...Array.from({ length: 20000 }, (_, i) => [`f${i}`, 'v']), ['login', 'x'], ['password', 'y']]);
  assert.ok(many.status >= 400 && many.status < 500, `20000 fields → ${many.status}`);
  const mp = await rawRequest(server.port, `POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: 20\r\nConnection: close\r\n\r\n`, Buffer.from('--zz\r\nContent-Dispos'));
  assert.ok(mp.status >= 400 && mp.status < 500, `broken multipart → ${mp.status}`);
  const big = await rawRequest(server.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Long: ${'a'.repeat(200000)}\r\nConnection: close\r\n\r\n`).catch(() => ({ status: 'closed' }));
  assert.ok(big.status === 'closed' || big.status < 500, `200 KB header → ${big.status}`);
  const garbage = await rawRequest(server.port, 'GARBAGE\r\n\r\n').catch(() => ({ status: 'closed' }));
  assert.ok(garbage.status === 'closed' || (garbage.status >= 400 && garbage.status < 500), `garbage request → ${garbage.status}`);
  assert.equal((await new Client(server.url).get('/health/')).status, 200);
});

test('concurrent signups for one username create exactly one account', async () => {
  const v = newUser('race');
  const clients = Array.from({ length: 6 }, () => new Client(server.url));
  const forms = await Promise.all(clients.map((cl) => cl.getForm('/accounts/signup/', 'password1')));
  const rs = await Promise.all(clients.map((cl, i) => cl.postForm('/accounts/signup/',
    { ...forms[i].form.hidden, username: v.username, email: `n${i}.${v.email}`, password1: v.password, password2: v.password })));
  const st = rs.map((x) => x.status);
  assert.equal(st.filter((s) => s === 302).length, 1, `statuses: ${st}`);
  assert.equal(st.filter((s) => s === 400).length, 5, `the losers get a form error, not a 500: ${st}`);
});
