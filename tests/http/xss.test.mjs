// Escaping: markup typed into forms, the query string or the path never comes back as
// live HTML (signup username/e-mail, login field, next=, 404 path).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawGet } from '../lib/server.mjs';
import { signup, login, newUser, isLoggedIn } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const SCRIPT = '<script>x</script>';
const IMG = '"><img src=x onerror=alert(1)>';

function assertInert(html, where) {
  assert.ok(!/<script>x/i.test(html), `${where}: unescaped <script>x in the page`);
  assert.ok(!/<img src=x onerror/i.test(html), `${where}: unescaped <img onerror> in the page`);
}

test('a username with markup is refused or shown escaped', async () => {
  for (const username of [SCRIPT, `a${IMG}`]) {
    const c = new Client(server.url);
    const u = newUser('xss');
    const r = await signup(c, { ...u, username });
    assertInert(r.text, `signup ${username}`);
    if (r.status === 302) {
      assert.ok(await isLoggedIn(c));
      for (const p of ['/', '/about/', '/ask/']) assertInert((await c.get(p)).text, `GET ${p} as ${username}`);
    } else {
      assert.equal(r.status, 400, `signup with ${username} answered ${r.status}`);
      assert.ok(r.text.includes('&lt;script&gt;') || r.text.includes('&lt;img') || r.text.includes('&#'), 'the refused value is not shown escaped');
    }
  }
});

test('an e-mail with markup is refused and shown escaped', async () => {
  const u = newUser('xssmail');
  const r = await signup(new Client(server.url), { ...u, email: `${IMG}@mail.test` });
  assert.equal(r.status, 400);
  assertInert(r.text, 'signup e-mail');
});

test('the login field is re-rendered escaped after a failed login', async () => {
  const r = await login(new Client(server.url), `${SCRIPT}${IMG}`, 'Wrong-pass-1!');
  assert.equal(r.status, 400);
  assertInert(r.text, 'login form');
  assert.ok(r.text.includes('&lt;script&gt;x'), 'the typed login should be kept, escaped');
});

test('next= is reflected escaped in the login page', async () => {
  const r = await new Client(server.url).get(`/accounts/login/?next=${encodeURIComponent(`/${IMG}${SCRIPT}`)}`);
  assert.equal(r.status, 200);
  assertInert(r.text, 'login?next=');
});

test('a 404 path with markup is not reflected as HTML', async () => {
  for (const p of [`/${SCRIPT}/`, `/%3Cscript%3Ex%3C/script%3E/`, '/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E/']) {
    const r = await rawGet(server.port, p);
    assert.ok(r.status >= 400 && r.status < 500, `${p} → ${r.status}`);
    assertInert(r.body, p);
  }
});
