// Sign-in with OpenID Connect against a real provider (oidc-provider 8, its login and
// consent pages driven over HTTP): first sign-in creates the account, the second
// reaches it again, state is single-use and bound to the browser, denied consent,
// linking by verified e-mail only, the linked-accounts page, inactive users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, dbQuery, dbExec, createUser, errorTexts, findForm, forms } from '../lib/server.mjs';
import { isLoggedIn, goodPassword } from '../lib/flows.mjs';
import { startOidcProvider, providerSignIn } from '../lib/oidc-provider.mjs';
import { reservePort, startOn, pressButton, assertNoSession } from '../lib/sign-in.mjs';

let server, idp;
const accounts = {
  alice: { email: 'alice@oidc.test', email_verified: true, preferred_username: 'alice smith<script>' },
  claimer: { email: 'victim@mail.test', email_verified: false, preferred_username: 'claimer' },
  owner: { email: 'Owner@Mail.test', email_verified: true, preferred_username: 'someone' },
  sleepy: { email: 'sleepy@mail.test', email_verified: true, preferred_username: 'sleepy' },
};

before(async () => {
  const { port, callback } = await reservePort('oidc');
  idp = await startOidcProvider({ redirectUris: [callback], accounts });
  server = await startOn(port, { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId,
    OIDC_CLIENT_SECRET: idp.clientSecret, OIDC_NAME: 'Test IdP' });
});
after(async () => { await server?.stop(); await idp?.stop(); });

/** A whole sign-in as `login`; returns { client, start, back, done }. */
async function signIn(login, { client = new Client(server.url), jar, page } = {}) {
  const start = await pressButton(client, 'oidc', { page });
  assert.equal(start.status, 302, start.text.slice(0, 1000));
  assert.ok(start.location.startsWith(idp.issuer), `sent to ${start.location}`);
  const back = await providerSignIn(start.location, { login, jar });
  assert.ok(back.startsWith(`${server.url}/accounts/oidc/login/callback/`), back);
  const done = await client.get(back);
  return { client, start, back, done };
}

const userCount = () => dbQuery(server, 'SELECT count(*) AS n FROM users')[0].n;

test('the login and signup pages show the configured provider only; the others are 404', async () => {
  const c = new Client(server.url);
  for (const page of ['/accounts/login/', '/accounts/signup/']) {
    const p = await c.get(page);
    assert.match(p.text, /Sign in with Test IdP/);
    assert.doesNotMatch(p.text, /Google|GitHub/);
  }
  for (const path of ['/accounts/google/login/', '/accounts/github/login/', '/accounts/google/login/callback/',
    '/accounts/github/login/callback/?code=x&state=y', '/accounts/nosuch/login/']) {
    assert.equal((await c.get(path)).status, 404, path);
  }
});

test('the Content-Security-Policy lets forms go to the provider (the button is redirected there)', async () => {
  const r = await new Client(server.url).get('/accounts/login/');
  assert.match(r.headers.get('content-security-policy'), new RegExp(`form-action 'self' ${idp.issuer};`));
});

test('the authorization request carries state, nonce and a PKCE S256 challenge', async () => {
  const r = await pressButton(new Client(server.url), 'oidc');
  const u = new URL(r.location);
  assert.equal(u.searchParams.get('response_type'), 'code');
  assert.equal(u.searchParams.get('client_id'), idp.clientId);
  assert.equal(u.searchParams.get('redirect_uri'), `${server.url}/accounts/oidc/login/callback/`);
  assert.match(u.searchParams.get('scope'), /\bopenid\b/);
  assert.match(u.searchParams.get('state'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(u.searchParams.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(u.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(u.searchParams.get('code_challenge_method'), 'S256');
});

test('a first sign-in creates an account and logs in; a second reaches the same account', async () => {
  const before = userCount();
  const { client, done } = await signIn('alice');
  assert.equal(done.status, 302, done.text.slice(0, 1500));
  assert.equal(done.location, '/');
  assert.ok(await isLoggedIn(client));
  const [u] = dbQuery(server, "SELECT u.id, u.username, u.email, u.password_hash FROM users u JOIN identities i ON i.user_id = u.id WHERE i.subject LIKE '% alice'");
  assert.ok(u, 'an identity row for alice');
  assert.equal(u.username, 'alice_smithscript', 'the username is made from preferred_username, sanitized');
  assert.equal(u.email, 'alice@oidc.test', 'a verified e-mail is the account\'s');
  assert.equal(u.password_hash, '', 'no password logs in to it');
  assert.equal(userCount(), before + 1);
  const home = await client.get('/');
  assert.ok(home.text.includes('alice_smithscript'));

  const again = await signIn('alice'); // another browser, another provider session
  assert.equal(again.done.status, 302);
  assert.ok(await isLoggedIn(again.client));
  assert.equal(userCount(), before + 1, 'no second account');
  const ids = dbQuery(server, "SELECT user_id FROM identities WHERE subject LIKE '% alice'");
  assert.equal(ids.length, 1);
  assert.equal(ids[0].user_id, u.id);
});

test('a replayed callback fails and starts no session, in the same browser or another', async () => {
  const { client, back, done } = await signIn('alice');
  assert.equal(done.status, 302);
  const replay = await client.get(back);
  assert.equal(replay.status, 400);
  assert.match(errorTexts(replay.text).join(' '), /expired|already used/);
  assertNoSession(replay);
  const other = new Client(server.url);
  const r2 = await other.get(back);
  assert.equal(r2.status, 400);
  assertNoSession(r2);
  assert.equal(await isLoggedIn(other), false);
});

test('a tampered state gets an error on the login page, no account and no session', async () => {
  const before = userCount();
  const client = new Client(server.url);
  const start = await pressButton(client, 'oidc');
  const back = new URL(await providerSignIn(start.location, { login: 'tampered-user' }));
  const state = back.searchParams.get('state');
  back.searchParams.set('state', (state[0] === 'A' ? 'B' : 'A') + state.slice(1));
  const r = await client.get(back.href);
  assert.equal(r.status, 400);
  assert.match(r.text, /<h1>Log in<\/h1>/);
  assert.match(errorTexts(r.text).join(' '), /Test IdP/);
  assertNoSession(r);
  assert.equal(await isLoggedIn(client), false);
  assert.equal(userCount(), before);
});

test('a callback in a browser that did not start the sign-in is refused (login CSRF)', async () => {
  const attacker = new Client(server.url);
  const start = await pressButton(attacker, 'oidc');
  const back = await providerSignIn(start.location, { login: 'attacker' });
  const victim = new Client(server.url);
  const r = await victim.get(back);
  assert.equal(r.status, 400);
  assertNoSession(r);
  // The victim's browser did not spend it (only the browser that started a sign-in
  // can): it still works once, in the attacker's own browser, for the attacker.
  const own = await attacker.get(back);
  assert.equal(own.status, 302);
  assert.equal((await attacker.get(back)).status, 400);
});

test('a victim with a sign-in of their own pending is not signed in by the attacker\'s callback (login CSRF)', async () => {
  // The victim pressed the button (their browser holds the sign-in cookie of their own
  // pending state) and stopped; then they open the attacker's callback URL, made of
  // the attacker's code and state from the attacker's own flow. The state is bound to
  // the browser that started it, so the victim's cookie must not take it.
  const victim = new Client(server.url);
  const pending = await pressButton(victim, 'oidc');
  assert.equal(pending.status, 302);
  assert.ok(victim.cookies.has('llmmeta_oauth'), 'the victim holds a sign-in cookie');
  const attacker = new Client(server.url);
  const start = await pressButton(attacker, 'oidc');
  const back = await providerSignIn(start.location, { login: 'attacker' });
  const users = userCount();
  const r = await victim.get(back);
  assert.equal(r.status, 400, r.text.slice(0, 800));
  assertNoSession(r);
  assert.equal(await isLoggedIn(victim), false, 'the victim is not signed in as the attacker');
  assert.equal(userCount(), users, 'no account made for the attacker through the victim');
  // The attacker's state was not spent by the victim's browser.
  assert.equal((await attacker.get(back)).status, 302);
});

test('someone who learns a state cannot cancel the sign-in with an error callback from another browser', async () => {
  const client = new Client(server.url);
  const start = await pressButton(client, 'oidc');
  const state = new URL(start.location).searchParams.get('state');
  const meddler = new Client(server.url);
  const cancel = await meddler.get(`/accounts/oidc/login/callback/?error=access_denied&state=${encodeURIComponent(state)}`);
  assert.equal(cancel.status, 400);
  const back = await providerSignIn(start.location, { login: 'alice' });
  const done = await client.get(back);
  assert.equal(done.status, 302, done.text.slice(0, 500));
  assert.equal(await isLoggedIn(client), true);
});

test('the callback error parameter: RFC 6749 codes get a fixed message, any other text is never shown', async () => {
  const c = new Client(server.url);
  const known = await c.get('/accounts/oidc/login/callback/?error=temporarily_unavailable&error_description=Call+0800-SCAM');
  assert.equal(known.status, 400);
  assert.match(errorTexts(known.text).join(' '), /Test IdP refused the sign-in \(temporarily_unavailable\)\./);
  assert.doesNotMatch(known.text, /0800|SCAM/);
  const odd = await c.get('/accounts/oidc/login/callback/?error=Your+account+is+locked:+call+0800-SCAM');
  assert.equal(odd.status, 400);
  assert.match(errorTexts(odd.text).join(' '), /Test IdP refused the sign-in\./);
  assert.doesNotMatch(odd.text, /locked|0800|SCAM/);
  // A code that only looks like one (a prefix, another case) is no code.
  for (const e of ['access_denied_x', 'ACCESS_DENIED']) {
    const r = await c.get(`/accounts/oidc/login/callback/?error=${e}`);
    assert.doesNotMatch(r.text, new RegExp(e));
  }
});

test('denied consent: a clear message, no account, no session', async () => {
  const before = userCount();
  const client = new Client(server.url);
  const start = await pressButton(client, 'oidc');
  const back = await providerSignIn(start.location, { login: 'denier', deny: true });
  assert.match(back, /error=access_denied/);
  const r = await client.get(back);
  assert.equal(r.status, 400);
  assert.match(errorTexts(r.text).join(' '), /did not allow the sign-in with Test IdP/);
  assertNoSession(r);
  assert.equal(userCount(), before);
});

test('next is kept through the sign-in, and only a local path', async () => {
  const client = new Client(server.url);
  const { done } = await signIn('alice', { client, page: '/accounts/login/?next=/conversation/' });
  assert.equal(done.location, '/conversation/');
  const c2 = new Client(server.url);
  const { done: d2 } = await signIn('alice', { client: c2, page: '/accounts/login/?next=//evil.test/' });
  assert.equal(d2.location, '/');
  // A next of 2048 characters is kept, one of 2049 is not stored.
  const long = `/${'a'.repeat(2047)}`;
  const { done: d3 } = await signIn('alice', { page: `/accounts/login/?next=${long}` });
  assert.equal(d3.location, long);
  const { done: d4 } = await signIn('alice', { page: `/accounts/login/?next=${long}b` });
  assert.equal(d4.location, '/');
});

test('an unverified e-mail never reaches the account that has it', async () => {
  const victim = { username: 'victim', email: 'victim@mail.test', password: goodPassword() };
  assert.equal((await createUser(server, victim)).code, 0);
  const { client, done } = await signIn('claimer');
  assert.equal(done.status, 302);
  const [row] = dbQuery(server, "SELECT u.username, u.email FROM identities i JOIN users u ON u.id = i.user_id WHERE i.subject LIKE '% claimer'");
  assert.equal(row.username, 'claimer', 'a new account, not the victim\'s');
  assert.equal(row.email, '', 'the unverified address is not given to the new account');
  const home = await client.get('/');
  assert.ok(!home.text.includes('>victim<'));
});

test('a verified e-mail links the existing account (case-insensitively)', async () => {
  const owner = { username: 'owner', email: 'owner@mail.test', password: goodPassword() };
  assert.equal((await createUser(server, owner)).code, 0);
  dbExec(server, "UPDATE users SET email_verified = 1 WHERE username = 'owner'"); // proven (docs/accounts.md)
  const before = userCount();
  const { client, done } = await signIn('owner');
  assert.equal(done.status, 302);
  assert.equal(userCount(), before, 'no new account');
  const home = await client.get('/');
  assert.match(home.text, /class="who">owner</);
});

test('an inactive account is refused, with no session', async () => {
  await signIn('sleepy');
  dbExec(server, "UPDATE users SET is_active = 0 WHERE username = 'sleepy'");
  const { client, done } = await signIn('sleepy');
  assert.equal(done.status, 403);
  assert.match(errorTexts(done.text).join(' '), /inactive/);
  assertNoSession(done);
  assert.equal(await isLoggedIn(client), false);
});

test('linked accounts: listed, not removable when the last way to log in, removable with a password; others get 404', async () => {
  const { client } = await signIn('linker');
  const page = await client.get('/accounts/social/connections/');
  assert.equal(page.status, 200);
  assert.match(page.text, /Test IdP/);
  assert.match(page.text, /linker@oidc\.test/);
  const remove = forms(page.text).find((f) => f.hidden.identity);
  assert.ok(remove, 'a Remove button');
  const id = remove.hidden.identity;

  // Someone else's identity: 404, and it stays.
  const other = (await signIn('stranger')).client;
  const otherPage = await other.get('/accounts/social/connections/');
  const theirs = forms(otherPage.text).find((f) => f.hidden.identity);
  assert.equal((await other.postForm('/accounts/social/connections/', { ...theirs.hidden, identity: id })).status, 404);
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM identities WHERE id = ${Number(id)}`)[0].n, 1);

  // The only way to log in: refused.
  const r1 = await client.postForm('/accounts/social/connections/', remove.hidden);
  assert.equal(r1.status, 400);
  assert.match(errorTexts(r1.text).join(' '), /only way to log in/);

  // Set a password (there is no current one to type), then the identity may go.
  const before = await client.get('/accounts/password/change/');
  assert.doesNotMatch(findForm(before.text, 'password1').html, /name="oldpassword"/);
  const pw = goodPassword();
  const set = await client.submitForm('/accounts/password/change/', 'password1', { password1: pw, password2: pw });
  assert.equal(set.status, 200, set.text.slice(0, 1500));
  assert.match(findForm((await client.get('/accounts/password/change/')).text, 'password1').html, /name="oldpassword"/);
  const fresh = await client.get('/accounts/social/connections/');
  const again = forms(fresh.text).find((f) => f.hidden.identity);
  const r2 = await client.postForm('/accounts/social/connections/', again.hidden);
  assert.equal(r2.status, 200);
  assert.match(r2.text, /was removed/);
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM identities WHERE id = ${Number(id)}`)[0].n, 0);
});

test('a logged-in user links another identity from the linked-accounts page', async () => {
  const { client } = await signIn('first-of-two');
  const uid = dbQuery(server, "SELECT user_id FROM identities WHERE subject LIKE '% first-of-two'")[0].user_id;
  const start = await pressButton(client, 'oidc', { page: '/accounts/social/connections/' });
  assert.equal(start.status, 302);
  const back = await providerSignIn(start.location, { login: 'second-of-two' });
  const r = await client.get(back);
  assert.equal(r.status, 302);
  assert.equal(r.location, '/accounts/social/connections/');
  const rows = dbQuery(server, "SELECT user_id FROM identities WHERE subject LIKE '% second-of-two'");
  assert.equal(rows[0].user_id, uid);
  // Linking an identity that is someone else's is refused.
  const s2 = await pressButton(client, 'oidc', { page: '/accounts/social/connections/' });
  const b2 = await providerSignIn(s2.location, { login: 'alice' });
  const r2 = await client.get(b2);
  assert.equal(r2.status, 400);
  assert.match(errorTexts(r2.text).join(' '), /already linked to another user/);
});

test('GET on the start URL shows a button that posts (no sign-in starts on a GET)', async () => {
  const c = new Client(server.url);
  const r = await c.get('/accounts/oidc/login/');
  assert.equal(r.status, 200);
  assert.ok(!r.location);
  assert.ok(forms(r.text).some((f) => f.attrs.action === '/accounts/oidc/login/'));
  const noCsrf = await c.postForm('/accounts/oidc/login/', {});
  assert.equal(noCsrf.status, 403);
});
