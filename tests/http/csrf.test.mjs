// CSRF: every state-changing POST needs the form's csrf_token bound to the visitor's own
// cookie/session; a missing, wrong or foreign token answers 403 and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, getCsrf } from '../lib/server.mjs';
import { newUser, signup, login, isLoggedIn, signedUpClient, goodPassword } from '../lib/flows.mjs';

let server, user;
before(async () => {
  server = await startServer();
  ({ user } = await signedUpClient(server.url, 'csrf'));
});
after(async () => { await server?.stop(); });

test('the login page sets the llmmeta_csrf cookie and a hidden csrf_token', async () => {
  const c = new Client(server.url);
  const r = await c.get('/accounts/login/');
  assert.equal(r.status, 200);
  const token = getCsrf(r.text);
  assert.ok(token && token.length >= 16, `no usable csrf_token in the login form: ${token}`);
  assert.ok(r.setCookies.some((s) => s.startsWith('llmmeta_csrf=')), `no llmmeta_csrf cookie: ${JSON.stringify(r.setCookies)}`);
});

test('login POST without a token is 403 and logs nobody in', async () => {
  const c = new Client(server.url);
  await c.get('/accounts/login/');
  const r = await c.postForm('/accounts/login/', { login: user.username, password: user.password });
  assert.equal(r.status, 403);
  assert.ok(!r.setCookies.some((s) => /^llmmeta_session=[^;]/.test(s)), 'a session cookie was set');
  assert.equal(await isLoggedIn(c), false);
});

test('login POST with a wrong token is 403', async () => {
  const c = new Client(server.url);
  const token = getCsrf((await c.get('/accounts/login/')).text);
  const wrong = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
  for (const t of [wrong, 'x', '']) {
    const r = await c.postForm('/accounts/login/', { login: user.username, password: user.password, csrf_token: t });
    assert.equal(r.status, 403, `token ${JSON.stringify(t)} answered ${r.status}`);
  }
  assert.equal(await isLoggedIn(c), false);
});

test('login POST with a token from another visitor is 403', async () => {
  const a = new Client(server.url);
  const tokenA = getCsrf((await a.get('/accounts/login/')).text);
  const b = new Client(server.url);
  await b.get('/accounts/login/');
  assert.ok(b.cookies.has('llmmeta_csrf'));
  const r = await b.postForm('/accounts/login/', { login: user.username, password: user.password, csrf_token: tokenA });
  assert.equal(r.status, 403, 'B used A\'s token with B\'s cookie');
  assert.equal(await isLoggedIn(b), false);
  const bare = new Client(server.url); // no cookie at all
  const r2 = await bare.postForm('/accounts/login/', { login: user.username, password: user.password, csrf_token: tokenA });
  assert.equal(r2.status, 403, 'a token without its cookie was accepted');
});

test('the same login with the right token succeeds (control)', async () => {
  const c = new Client(server.url);
  const r = await login(c, user.username, user.password);
  assert.equal(r.status, 302);
  assert.ok(await isLoggedIn(c));
});

test('signup POST without a token is 403 and creates no user', async () => {
  const c = new Client(server.url);
  await c.get('/accounts/signup/');
  const u = newUser('nocsrf');
  const r = await c.postForm('/accounts/signup/', { username: u.username, email: u.email, password1: u.password, password2: u.password });
  assert.equal(r.status, 403);
  assert.equal((await signup(new Client(server.url), u)).status, 302, 'the username was taken by the refused signup');
});

test('logout and password change without a valid token are 403 and change nothing', async () => {
  const { client, user: u } = await signedUpClient(server.url, 'csrfpw');
  const page = await client.get('/');
  const token = getCsrf(page.text);
  assert.ok(token, 'logged-in pages carry a csrf token (logout form)');

  assert.equal((await client.postForm('/accounts/logout/', {})).status, 403);
  assert.equal((await client.postForm('/accounts/logout/', { csrf_token: 'bogus' })).status, 403);
  assert.ok(await isLoggedIn(client), 'logout without token ended the session');

  const newPw = goodPassword();
  const r = await client.postForm('/accounts/password/change/', { oldpassword: u.password, password1: newPw, password2: newPw });
  assert.equal(r.status, 403);
  assert.equal((await login(new Client(server.url), u.username, u.password)).status, 302, 'password changed without a token');
});

test('a logged-in user\'s token does not work for another user\'s session', async () => {
  const x = await signedUpClient(server.url, 'csrfx');
  const y = await signedUpClient(server.url, 'csrfy');
  const tokenX = getCsrf((await x.client.get('/')).text);
  const r = await y.client.postForm('/accounts/logout/', { csrf_token: tokenX });
  assert.equal(r.status, 403);
  assert.ok(await isLoggedIn(y.client));
});
