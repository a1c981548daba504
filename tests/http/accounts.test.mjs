// Accounts over HTTP: signup (success, each password rule, field errors, duplicates),
// login by username / e-mail, session cookie attributes, logout, password change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, errorTexts, findForm, decodeEntities } from '../lib/server.mjs';
import { newUser, signup, login, logout, isLoggedIn, signedUpClient, goodPassword } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** A rejected form: 400, an error shown, the form re-rendered keeping `kept`, no password echoed. */
function assertFormError(r, { kept = [], secrets = [], mention } = {}) {
  assert.equal(r.status, 400, `expected 400, got ${r.status}\n${r.text.slice(0, 1500)}`);
  assert.ok(!r.setCookies.some((c) => /^llmmeta_session=[^;]+/.test(c) && !/max-age=0|expires=thu, 01 jan 1970/i.test(c)),
    'a rejected form must not log anybody in');
  const errs = errorTexts(r.text);
  assert.ok(errs.length > 0, `no element with class "error" in:\n${r.text.slice(0, 2000)}`);
  if (mention) assert.match(errs.join(' | '), mention, `error text ${JSON.stringify(errs)} does not mention ${mention}`);
  for (const v of kept) assert.ok(r.text.includes(`value="${v}"`), `form did not keep value "${v}"`);
  for (const s of secrets) assert.ok(!r.text.includes(s), 'a password was echoed back in the page');
}

test('signup through the form logs the user in and shows the username in the nav', async () => {
  const client = new Client(server.url);
  const u = newUser('signup');
  const r = await signup(client, u);
  assert.equal(r.status, 302, r.text.slice(0, 1500));
  const landing = new URL(r.location, server.url);
  assert.equal(landing.pathname + landing.search, '/ask/?welcome=1', 'a new account lands on /ask/');
  assert.ok(client.cookies.has('llmmeta_session'), 'signup must set the session cookie');
  const ask = await client.get(landing.pathname + landing.search);
  assert.equal(ask.status, 200);
  assert.match(ask.text, /class="notice" role="status">Welcome!/, 'the first /ask/ greets the new account');
  assert.doesNotMatch((await client.get('/ask/')).text, /Welcome!/, 'a plain /ask/ does not');
  assert.ok(await isLoggedIn(client));
  const home = await client.get('/');
  assert.ok(home.text.includes(u.username), 'nav should show the username');
  assert.match(home.text, /log\s*out/i);
  assert.doesNotMatch(home.text, />\s*Admin\s*</, 'a normal user sees no Admin link');
});

test('signup with a safe next goes there, an unsafe one lands on /ask/', async () => {
  const withNext = (next, u) => new Client(server.url).submitForm(`/accounts/signup/?next=${encodeURIComponent(next)}`,
    'password1', { username: u.username, email: u.email, password1: u.password, password2: u.password });
  const to = await withNext('/conversation/', newUser('signupnext'));
  assert.equal(to.status, 302);
  assert.equal(new URL(to.location, server.url).pathname, '/conversation/');
  const away = await withNext('//evil.example/', newUser('signupaway'));
  assert.equal(away.status, 302);
  assert.equal(new URL(away.location, server.url).href, new URL('/ask/?welcome=1', server.url).href);
});

test('session cookie is HttpOnly, SameSite=Lax, Path=/', async () => {
  const client = new Client(server.url);
  const r = await signup(client, newUser('cookie'));
  assert.equal(r.status, 302);
  const sc = r.setCookies.find((c) => c.startsWith('llmmeta_session='));
  assert.ok(sc, `no llmmeta_session cookie in ${JSON.stringify(r.setCookies)}`);
  assert.match(sc, /;\s*HttpOnly/i);
  assert.match(sc, /;\s*SameSite=Lax/i);
  assert.match(sc, /;\s*Path=\/(;|$)/i);
  assert.ok(sc.split(';')[0].length >= 'llmmeta_session='.length + 32, 'session token looks too short');
});

const passwordCases = [
  ['too short', 'Xq7!ab', /short|at least 8|8 characters/i],
  ['entirely numeric', '83920174650', /numeric|digits/i],
  ['common: password123', 'password123', /common/i],
  ['common: qwertyuiop', 'qwertyuiop', /common/i],
];
for (const [name, pw, mention] of passwordCases) {
  test(`signup refuses a password that is ${name}`, async () => {
    const client = new Client(server.url);
    const u = newUser('pw');
    const r = await signup(client, { ...u, password: pw });
    assertFormError(r, { kept: [u.username, u.email], secrets: [pw], mention });
    // Nothing was created: the same username and e-mail can still sign up.
    assert.equal((await signup(new Client(server.url), u)).status, 302, 'the refused signup left a user behind');
  });
}

test('signup refuses a password too similar to the username', async () => {
  const client = new Client(server.url);
  const u = newUser('marmaduke');
  const pw = `${u.username}9`;
  assertFormError(await signup(client, { ...u, password: pw }), { kept: [u.username], secrets: [pw], mention: /similar/i });
});

test('signup refuses a password too similar to the e-mail address', async () => {
  const client = new Client(server.url);
  const u = newUser('plain');
  u.email = `zanzibar.quillfeather@mail.test`;
  const pw = 'zanzibarquill';
  assertFormError(await signup(client, { ...u, password: pw }), { kept: [u.username], secrets: [pw], mention: /similar/i });
});

test('signup refuses two different passwords', async () => {
  const u = newUser('mismatch');
  const r = await signup(new Client(server.url), { ...u, password1: goodPassword(), password2: goodPassword() });
  assertFormError(r, { kept: [u.username, u.email], mention: /match|same/i });
});

test('signup refuses an invalid e-mail and a blank username', async () => {
  const u = newUser('bademail');
  assertFormError(await signup(new Client(server.url), { ...u, email: 'not-an-email' }), { kept: [u.username, 'not-an-email'] });
  assertFormError(await signup(new Client(server.url), { ...u, username: '' }), { kept: [u.email] });
});

test('signup refuses a duplicate username, case-insensitively, and a duplicate e-mail', async () => {
  const { user } = await signedUpClient(server.url, 'dup');
  const other = newUser('dupother');
  assertFormError(await signup(new Client(server.url), { ...other, username: user.username.toUpperCase() }), { mention: /already|taken|exists/i });
  assertFormError(await signup(new Client(server.url), { ...other, username: user.username }), { mention: /already|taken|exists/i });
  assertFormError(await signup(new Client(server.url), { ...other, email: user.email }), { mention: /already|taken|exists|use/i });
  assertFormError(await signup(new Client(server.url), { ...other, email: user.email.toUpperCase() }), { mention: /already|taken|exists|use/i });
  // The original account still works with its own password.
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 302);
});

test('login by username and by e-mail; wrong password is a 400 form error', async () => {
  const { user } = await signedUpClient(server.url, 'login');
  for (const id of [user.username, user.email]) {
    const c = new Client(server.url);
    const r = await login(c, id, user.password);
    assert.equal(r.status, 302, `login as ${id}: ${r.status}\n${r.text.slice(0, 1000)}`);
    assert.equal(new URL(r.location, server.url).pathname, '/');
    assert.ok(r.setCookies.some((s) => s.startsWith('llmmeta_session=')));
    assert.ok(await isLoggedIn(c));
  }
  const c = new Client(server.url);
  const bad = await login(c, user.username, 'Wrong-pass-123!');
  assertFormError(bad, { kept: [user.username], secrets: ['Wrong-pass-123!'] });
  assert.equal(await isLoggedIn(c), false);
});

test('login as an unknown user is a 400 form error', async () => {
  const r = await login(new Client(server.url), 'nobody-here-xyz', 'Whatever-123!');
  assertFormError(r, { kept: ['nobody-here-xyz'] });
});

test('logout ends the session: the old cookie no longer works', async () => {
  const { client } = await signedUpClient(server.url, 'logout');
  const oldCookie = client.cookies.get('llmmeta_session');
  assert.ok(oldCookie);
  const r = await logout(client);
  assert.equal(r.status, 302, `logout answered ${r.status}`);
  assert.equal(await isLoggedIn(client), false);
  const replay = new Client(server.url);
  replay.cookies.set('llmmeta_session', oldCookie);
  assert.equal(await isLoggedIn(replay), false, 'the session cookie from before logout still works');
  const home = await replay.get('/');
  assert.match(home.text, /log\s*in/i);
});

test('logout by GET does not log out', async () => {
  const { client } = await signedUpClient(server.url, 'getlogout');
  const r = await client.get('/accounts/logout/');
  assert.notEqual(r.status, 500);
  assert.ok(await isLoggedIn(client), 'GET /accounts/logout/ must not end the session (CSRF)');
});

test('password change ends other sessions; the new password works, the old one not', async () => {
  const { client, user } = await signedUpClient(server.url, 'pwchange');
  const other = new Client(server.url);
  assert.equal((await login(other, user.username, user.password)).status, 302);
  assert.ok(await isLoggedIn(other));

  const page = await client.get('/accounts/password/change/');
  assert.equal(page.status, 200);
  assert.ok(findForm(page.text, 'oldpassword'), 'password change page has an oldpassword field');

  const wrongOld = await client.submitForm('/accounts/password/change/', 'oldpassword',
    { oldpassword: 'not-my-password-1', password1: goodPassword(), password2: goodPassword() });
  assert.equal(wrongOld.status, 400, 'a wrong old password is refused');


  const newPw = goodPassword();
  const r = await client.submitForm('/accounts/password/change/', 'oldpassword',
    { oldpassword: user.password, password1: newPw, password2: newPw });
  assert.ok([200, 302].includes(r.status), `password change answered ${r.status}\n${r.text.slice(0, 1500)}`);
  assert.equal(await isLoggedIn(other), false, 'another session survived the password change');
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 400, 'old password still works');
  const fresh = new Client(server.url);
  assert.equal((await login(fresh, user.username, newPw)).status, 302, 'new password does not work');
  assert.ok(await isLoggedIn(fresh));
});

test('a wrong current password is named, and the valid new password typed twice is kept', async () => {
  const { client, user } = await signedUpClient(server.url, 'pwwrong');
  const wanted = goodPassword();
  const r = await client.submitForm('/accounts/password/change/', 'oldpassword',
    { oldpassword: 'not-my-password-1', password1: wanted, password2: wanted });
  assert.equal(r.status, 400);
  assert.deepEqual(errorTexts(r.text), ['The current password is not correct.']);
  const value = (name) => {
    const m = r.text.match(new RegExp(`<input[^>]*name="${name}"[^>]*>`));
    assert.ok(m, `no ${name} field`);
    const v = m[0].match(/value="([^"]*)"/);
    return v ? decodeEntities(v[1]) : null;
  };
  assert.equal(value('password1'), wanted);
  assert.equal(value('password2'), wanted);
  assert.equal(value('oldpassword'), null, 'the wrong current password is never echoed');
  assert.ok(!r.text.includes('not-my-password-1'));
  // New passwords that break a rule are not kept (nor echoed), whatever the current one.
  const bad = await client.submitForm('/accounts/password/change/', 'oldpassword',
    { oldpassword: 'not-my-password-1', password1: wanted, password2: `${wanted}x` });
  assert.equal(bad.status, 400);
  assert.ok(!bad.text.includes(`value="`+wanted.replace(/&/g, '&amp;')), 'mismatched new passwords were echoed');
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 302, 'nothing changed');
});

test('password change applies the password rules', async () => {
  const { client, user } = await signedUpClient(server.url, 'pwrules');
  const r = await client.submitForm('/accounts/password/change/', 'oldpassword',
    { oldpassword: user.password, password1: 'password123', password2: 'password123' });
  assertFormError(r, { secrets: ['password123'], mention: /common/i });
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 302, 'old password must still work');
});

test('anonymous /accounts/password/change/ is sent to the login page', async () => {
  const r = await new Client(server.url).get('/accounts/password/change/');
  assert.equal(r.status, 302);
  assert.equal(r.location.replace(/^https?:\/\/[^/]+/, ''), '/accounts/login/?next=%2Faccounts%2Fpassword%2Fchange%2F');
});

test('anonymous /ask/ redirects to login with next, and logging in lands on /ask/', async () => {
  const { user } = await signedUpClient(server.url, 'ask');
  const c = new Client(server.url);
  const r = await c.get('/ask/');
  assert.equal(r.status, 302);
  assert.equal(r.location.replace(/^https?:\/\/[^/]+/, ''), '/accounts/login/?next=%2Fask%2F');
  const li = await c.submitForm(r.location, 'password', { login: user.username, password: user.password });
  assert.equal(li.status, 302);
  assert.equal(new URL(li.location, server.url).pathname, '/ask/');
  assert.equal((await c.get('/ask/')).status, 200);
});

test('anonymous nav shows Log in and Sign up', async () => {
  const home = await new Client(server.url).get('/');
  assert.equal(home.status, 200);
  assert.match(home.text, /href="\/accounts\/login\/[^"]*"/);
  assert.match(home.text, /href="\/accounts\/signup\/[^"]*"/);
  assert.match(home.text, /log\s*in/i);
  assert.match(home.text, /sign\s*up/i);
});

test("the access log names who asked: the user's name when logged in, '-' when not", async () => {
  const { client, user } = await signedUpClient(server.url, 'logged');
  const anon = new Client(server.url);
  assert.equal((await client.get('/about/')).status, 200);
  assert.equal((await anon.get('/about/')).status, 200);
  // Request lines are batched: written at most a moment after they are logged.
  let lines = [];
  for (let i = 0; i < 50 && lines.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    lines = server.stderr().split('\n').filter((l) => l.includes('GET /about/'));
  }
  assert.equal(lines.length >= 2, true, `two lines for /about/ in:\n${server.stderr().slice(-3000)}`);
  assert.ok(lines.some((l) => l.endsWith(` ${user.username}`)), `no line ends with ${user.username}:\n${lines.join('\n')}`);
  assert.ok(lines.some((l) => l.endsWith(' -')), `no anonymous line:\n${lines.join('\n')}`);
});
