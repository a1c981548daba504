// Sign-in with GitHub (OAuth 2.0 against tests/lib/fake-github.mjs): the account is
// made from /user, the e-mail is the primary verified one from /user/emails, an
// unverified address takes over nobody, usernames are deduplicated, and GitHub
// failing (HTTP 500, garbage, a refused code) gives a clear message and no account.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, dbQuery, dbExec, createUser, errorTexts } from '../lib/server.mjs';
import { isLoggedIn, goodPassword } from '../lib/flows.mjs';
import { startFakeGitHub } from '../lib/fake-github.mjs';
import { reservePort, startOn, pressButton, assertNoSession } from '../lib/sign-in.mjs';

let server, gh;
before(async () => {
  gh = await startFakeGitHub();
  const { port } = await reservePort('github');
  server = await startOn(port, { GITHUB_CLIENT_ID: gh.clientId, GITHUB_CLIENT_SECRET: gh.clientSecret,
    OAUTH_GITHUB_URL: gh.url, OAUTH_GITHUB_API_URL: gh.url });
});
after(async () => { await server?.stop(); await gh?.stop(); });

let ids = 1000;
async function signIn({ user, emails = [], fail = {}, garbage = {} } = {}) {
  Object.assign(gh.opts, { user: user ?? { id: ++ids, login: `gh${ids}` }, emails, fail, garbage });
  const client = new Client(server.url);
  const start = await pressButton(client, 'github');
  assert.equal(start.status, 302, start.text.slice(0, 800));
  const u = new URL(start.location);
  assert.equal(`${u.origin}${u.pathname}`, `${gh.url}/login/oauth/authorize`);
  const redirect = await fetch(start.location, { redirect: 'manual' });
  const r = await client.get(redirect.headers.get('location'));
  return { client, r };
}
const users = () => dbQuery(server, 'SELECT count(*) AS n FROM users')[0].n;
const byGitHubId = (id) => dbQuery(server, `SELECT u.id, u.username, u.email FROM identities i JOIN users u ON u.id = i.user_id WHERE i.provider = 'github' AND i.subject = '${id}'`)[0];

test('only the GitHub button is shown', async () => {
  const p = await new Client(server.url).get('/accounts/login/');
  assert.match(p.text, /Sign in with GitHub/);
  assert.doesNotMatch(p.text, /Google|OpenID/);
  assert.equal((await new Client(server.url).get('/accounts/oidc/login/')).status, 404);
});

test('a sign-in creates the account from /user with the primary verified e-mail, and the next one reaches it', async () => {
  const user = { id: 777, login: 'octo-cat' };
  const emails = [{ email: 'other@gh.test', primary: false, verified: true }, { email: 'octo@gh.test', primary: true, verified: true }];
  const { client, r } = await signIn({ user, emails });
  assert.equal(r.status, 302, r.text.slice(0, 800));
  assert.ok(await isLoggedIn(client));
  const row = byGitHubId(777);
  assert.equal(row.username, 'octo-cat');
  assert.equal(row.email, 'octo@gh.test');
  const n = users();
  const again = await signIn({ user: { id: 777, login: 'renamed' }, emails });
  assert.equal(again.r.status, 302);
  assert.equal(users(), n, 'the same account, by id, even after a rename');
  assert.match((await again.client.get('/')).text, /class="who">octo-cat</);
  const api = gh.requests.filter((q) => q.path === '/user');
  assert.match(api[api.length - 1].headers['user-agent'], /^llmmeta\//);
  const tok = gh.requests.filter((q) => q.path === '/login/oauth/access_token').pop();
  assert.ok(new URLSearchParams(tok.body).get('code_verifier'), 'PKCE verifier sent');
});

test('a taken username gets a number', async () => {
  await signIn({ user: { id: 901, login: 'twin' } });
  await signIn({ user: { id: 902, login: 'twin' } });
  await signIn({ user: { id: 903, login: 'TWIN' } });
  assert.equal(byGitHubId(901).username, 'twin');
  assert.equal(byGitHubId(902).username, 'twin2');
  assert.equal(byGitHubId(903).username, 'TWIN3', 'usernames are unique regardless of case');
});

test('an unverified primary e-mail does not take over the account that has it', async () => {
  const victim = { username: 'ghvictim', email: 'ghvictim@mail.test', password: goodPassword() };
  assert.equal((await createUser(server, victim)).code, 0);
  const n = users();
  const { client, r } = await signIn({ user: { id: 555, login: 'mallory' },
    emails: [{ email: 'GHVictim@mail.test', primary: true, verified: false }] });
  assert.equal(r.status, 302);
  assert.equal(users(), n + 1, 'a new account');
  const row = byGitHubId(555);
  assert.equal(row.username, 'mallory');
  assert.equal(row.email, '');
  assert.doesNotMatch((await client.get('/')).text, /ghvictim/);
  // A verified address that is not the primary one does not count either.
  const { r: r2 } = await signIn({ user: { id: 556, login: 'mallory2' },
    emails: [{ email: 'ghvictim@mail.test', primary: false, verified: true }, { email: 'm2@gh.test', primary: true, verified: false }] });
  assert.equal(r2.status, 302);
  assert.equal(byGitHubId(556).username, 'mallory2');
});

test('a primary verified e-mail links the existing account whose e-mail is proven', async () => {
  const owner = { username: 'ghowner', email: 'ghowner@mail.test', password: goodPassword() };
  assert.equal((await createUser(server, owner)).code, 0);
  // As a completed password reset leaves it (tests/http/password-reset.test.mjs).
  dbExec(server, "UPDATE users SET email_verified = 1 WHERE username = 'ghowner'");
  const n = users();
  const { client, r } = await signIn({ user: { id: 600, login: 'whatever' },
    emails: [{ email: 'ghowner@mail.test', primary: true, verified: true }] });
  assert.equal(r.status, 302);
  assert.equal(users(), n);
  assert.equal(byGitHubId(600).username, 'ghowner');
  assert.match((await client.get('/')).text, /class="who">ghowner</);
});

test('pre-account takeover: an account whose e-mail is unproven gets no link and no twin, only a message', async () => {
  // The attacker signed up first with the victim's address (signup proves nothing).
  const attacker = { username: 'squatter', email: 'ghsquatted@mail.test', password: goodPassword() };
  assert.equal((await createUser(server, attacker)).code, 0);
  const n = users();
  const { client, r } = await signIn({ user: { id: 601, login: 'realowner' },
    emails: [{ email: 'ghsquatted@mail.test', primary: true, verified: true }] });
  assert.equal(r.status, 409, r.text.slice(0, 800));
  assert.match(errorTexts(r.text).join(' '),
    /An account with this e-mail exists: log in with its password, then link GitHub from your account page/);
  assertNoSession(r);
  assert.equal(await isLoggedIn(client), false);
  assert.equal(byGitHubId(601), undefined, 'the identity was linked to the squatter');
  assert.equal(users(), n, 'an account was made with a taken address');
  // Once the mailbox is proven (a reset), the same sign-in links.
  dbExec(server, "UPDATE users SET email_verified = 1 WHERE username = 'squatter'");
  const again = await signIn({ user: { id: 601, login: 'realowner' },
    emails: [{ email: 'ghsquatted@mail.test', primary: true, verified: true }] });
  assert.equal(again.r.status, 302);
  assert.equal(byGitHubId(601).username, 'squatter');
});

test('an account made by a sign-in with a verified e-mail has it proven; without one, not', async () => {
  await signIn({ user: { id: 602, login: 'proven' }, emails: [{ email: 'proven@gh.test', primary: true, verified: true }] });
  await signIn({ user: { id: 603, login: 'unproven' }, emails: [{ email: 'unproven@gh.test', primary: true, verified: false }] });
  const v = (id) => Number(dbQuery(server, `SELECT u.email_verified AS v FROM identities i JOIN users u ON u.id = i.user_id WHERE i.provider = 'github' AND i.subject = '${id}'`)[0].v);
  assert.equal(v(602), 1);
  assert.equal(v(603), 0);
});

async function assertFails(opts, mention) {
  const n = users();
  const { client, r } = await signIn(opts);
  assert.equal(r.status, 502, r.text.slice(0, 800));
  assert.match(errorTexts(r.text).join(' '), mention);
  assertNoSession(r);
  assert.equal(await isLoggedIn(client), false);
  assert.equal(users(), n, 'no account');
}

test('GitHub failing: HTTP 500, garbage JSON, a refused code, no account id', async () => {
  await assertFails({ fail: { '/user': 500 } }, /Signing in with GitHub failed: GitHub's \/user answered HTTP 500/);
  await assertFails({ fail: { '/login/oauth/access_token': 500 } }, /token endpoint answered HTTP 500/);
  await assertFails({ garbage: { '/user/emails': true } }, /\/user\/emails answered something that is not the JSON expected/);
  await assertFails({ garbage: { '/login/oauth/access_token': true } }, /not the JSON expected/);
  await assertFails({ user: { login: 'no-id' } }, /no account id/);
});

test('a code GitHub refuses (200 with an error) is a failure too', async () => {
  const n = users();
  const client = new Client(server.url);
  const start = await pressButton(client, 'github');
  const state = new URL(start.location).searchParams.get('state');
  const r = await client.get(`/accounts/github/login/callback/?code=made-up&state=${state}`);
  assert.equal(r.status, 502);
  assert.match(errorTexts(r.text).join(' '), /bad_verification_code/);
  assertNoSession(r);
  assert.equal(users(), n);
});

test('GitHub down: a clear message', async () => {
  const down = `http://127.0.0.1:9`;
  const { port } = await reservePort('github');
  const s = await startOn(port, { GITHUB_CLIENT_ID: 'x', GITHUB_CLIENT_SECRET: 'y', OAUTH_GITHUB_URL: down, OAUTH_GITHUB_API_URL: down });
  try {
    const client = new Client(s.url);
    const start = await pressButton(client, 'github');
    const state = new URL(start.location).searchParams.get('state');
    const r = await client.get(`/accounts/github/login/callback/?code=abc&state=${state}`);
    assert.equal(r.status, 502);
    assert.match(errorTexts(r.text).join(' '), /could not be reached/);
    assertNoSession(r);
  } finally { await s.stop(); }
});

test('one address may have 20 sign-ins in progress: the 20th starts, the 21st gets 429', async () => {
  const client = new Client(server.url);
  const live = () => dbQuery(server, `SELECT count(*) AS n FROM oauth_states WHERE expires_at > ${Date.now()}`)[0].n;
  for (let i = live(); i < 19; i++) assert.equal((await pressButton(client, 'github')).status, 302);
  assert.equal(live(), 19);
  assert.equal((await pressButton(client, 'github')).status, 302, 'the 20th');
  const r = await pressButton(client, 'github');
  assert.equal(r.status, 429, 'the 21st');
  assert.equal(live(), 20);
});
