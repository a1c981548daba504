// Password reset by e-mail (docs/accounts.md), with a real SMTP server (smtp-server)
// that requires AUTH and STARTTLS with a certificate the test made: the mail arrives,
// its link sets a new password once and only once, ends the user's sessions, and
// dies after an hour; unknown and inactive addresses get the very same answer and
// no mail; requests are throttled per address typed and per client; without
// SMTP_URL the link is logged. Each test asks from its own client address
// (TRUST_PROXY=1 and X-Forwarded-For), so that the per-client throttle of one test
// does not reach the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { startServer, Client, dbQuery, dbExec, freePort, sleep, findForm, waitForLog } from '../lib/server.mjs';
import { signedUpClient, login, isLoggedIn, newUser } from '../lib/flows.mjs';
import { adminClient } from '../lib/admin.mjs';
import { startSmtpServer } from '../lib/smtp-server.mjs';

const FROM = 'llmmeta <noreply@llmmeta.test>';
let smtp, server, publicUrl;
let ipCounter = 0;
const nextIp = () => `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250 + 1}`;

async function serverWith(env) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  return { server: await startServer({ env: { PORT: String(port), PUBLIC_URL: url, TRUST_PROXY: '1', ...env } }), publicUrl: url };
}

before(async () => {
  smtp = await startSmtpServer({ tls: 'starttls' });
  ({ server, publicUrl } = await serverWith({ SMTP_URL: smtp.url(), SMTP_FROM: FROM, SMTP_CA_FILE: smtp.caFile }));
});
after(async () => {
  await server?.stop();
  await smtp?.close();
});

/** Asks for a reset of `email` from client address ip, as a browser would; the POST's response. */
async function askReset(base, email, ip, client = new Client(base)) {
  const headers = { 'X-Forwarded-For': ip };
  const page = await client.get('/accounts/password/reset/', { headers });
  assert.equal(page.status, 200);
  const form = findForm(page.text, 'email');
  assert.ok(form, 'the reset page has an e-mail form');
  return client.postForm('/accounts/password/reset/', { ...form.hidden, email }, { headers });
}

/** The reset link in a received mail (its path). */
function linkOf(mail) {
  const m = /(https?:\/\/[^\s]+\/accounts\/password\/reset\/key\/([A-Za-z0-9_-]+)\/)/.exec(mail.body);
  assert.ok(m, `no reset link in the mail:\n${mail.body}`);
  return { url: m[1], path: new URL(m[1]).pathname, token: m[2] };
}

/** Submits the new-password form of a link. */
async function setPassword(client, path, password1, password2 = password1) {
  return client.submitForm(path, 'password1', { password1, password2 });
}

async function mailFor(email) {
  const mail = await smtp.nextMessage(15000);
  assert.ok(mail, `no mail arrived for ${email}`);
  assert.deepEqual(mail.to, [email]);
  return mail;
}

test('the login page links to the reset page', async () => {
  const page = await new Client(server.url).get('/accounts/login/');
  assert.match(page.text, /<a href="\/accounts\/password\/reset\/">Forgot password\?<\/a>/);
});

test('a reset mail arrives over SMTP with STARTTLS and AUTH; its link sets a new password once; sessions end', async () => {
  const { client: first, user } = await signedUpClient(server.url, 'reset');
  const second = new Client(server.url);
  assert.equal((await login(second, user.username, user.password)).status, 302);
  assert.equal(await isLoggedIn(first), true);

  const asker = new Client(server.url);
  const r = await askReset(server.url, user.email.toUpperCase(), nextIp(), asker);
  assert.equal(r.status, 302);
  assert.equal(r.location, '/accounts/password/reset/done/');
  const done = await asker.follow(r);
  assert.equal(done.status, 200);
  assert.match(done.text, /If that address belongs to an account/);

  const mail = await mailFor(user.email);
  assert.equal(mail.secure, true, 'the mail was sent without STARTTLS');
  assert.equal(mail.user, 'llmmeta', 'the client did not authenticate');
  assert.equal(mail.from, 'noreply@llmmeta.test', 'envelope sender');
  const h = mail.headers;
  assert.equal(h.from, '"llmmeta" <noreply@llmmeta.test>');
  assert.equal(h.to, `<${user.email}>`);
  assert.equal(h.subject, 'Password reset');
  assert.match(h.date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$/);
  assert.ok(Math.abs(Date.parse(h.date) - Date.now()) < 60000, `Date ${h.date}`);
  assert.match(h['message-id'], /^<[A-Za-z0-9_-]+@llmmeta\.test>$/);
  assert.equal(h['mime-version'], '1.0');
  assert.equal(h['content-type'], 'text/plain; charset=UTF-8');
  assert.ok(mail.body.includes(user.username), 'the mail greets the user by name');
  assert.match(mail.body.replace(/\s+/g, ' '), /if its e-mail address was never confirmed before, it also revokes its API keys and removes its linked sign-ins/);

  const link = linkOf(mail);
  assert.ok(link.url.startsWith(`${publicUrl}/accounts/password/reset/key/`), `the link uses PUBLIC_URL: ${link.url}`);
  assert.equal(link.token.length, 43, '256 random bits in base64url');
  const rows = dbQuery(server, 'SELECT token_hash, used_at, expires_at - created_at AS ttl FROM password_resets');
  assert.equal(rows.length, 1);
  assert.ok(!rows[0].token_hash.includes(link.token), 'the token is stored as it is');
  assert.equal(rows[0].used_at, null);
  assert.equal(Number(rows[0].ttl), 3600000, 'valid one hour');

  const visitor = new Client(server.url);
  const form = await visitor.get(link.path);
  assert.equal(form.status, 200);
  assert.ok(findForm(form.text, 'password1'), 'the link shows the new-password form');
  const newPassword = `${user.password}-new`;
  const set = await setPassword(visitor, link.path, newPassword);
  assert.equal(set.status, 302);
  assert.equal(set.location, '/accounts/password/reset/key/done/?unproven=1', 'a signup proves no address');
  assert.match((await visitor.follow(set)).text, /Your password is now changed/);

  // The request log names the route, never the token: whoever reads the log must
  // not be able to use a link (here it was used, but it is logged the same live).
  assert.ok(!server.stderr().includes(link.token), 'the reset token was written to the request log');
  assert.ok(await waitForLog(server, /GET \/accounts\/password\/reset\/key\/<token>\/ 200/), 'the reset page was not logged by its route');
  // Nor when the link arrives without its slash (301) or mangled (404).
  assert.equal((await new Client(server.url).get(link.path.slice(0, -1))).status, 301);
  assert.equal((await new Client(server.url).get(`${link.path}x/`)).status, 404);
  for (let i = 0; i < 60 && !/GET \/accounts\/password\/reset\/key\/\.\.\. 404/.test(server.stderr()); i++) await sleep(50);
  assert.match(server.stderr(), /GET \/accounts\/password\/reset\/key\/\.\.\. 301/);
  assert.ok(!server.stderr().includes(link.token), 'a mangled reset link was written to the request log');
  assert.equal(await isLoggedIn(first), false, 'the session from signup survived the reset');
  assert.equal(await isLoggedIn(second), false, 'the other login survived the reset');
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 400, 'the old password still works');
  const fresh = new Client(server.url);
  assert.equal((await login(fresh, user.email, newPassword)).status, 302, 'the new password does not work');
  assert.equal(await isLoggedIn(fresh), true);

  // Once only: the link is dead for showing and for posting, and the password stays.
  const again = await new Client(server.url).get(link.path);
  assert.equal(again.status, 400);
  assert.match(again.text, /invalid or has been used/);
  const c3 = new Client(server.url);
  await c3.get('/accounts/login/');
  const token = (await c3.get('/accounts/password/reset/')).text.match(/name="csrf_token" value="([^"]+)"/)[1];
  const replay = await c3.postForm(link.path, { csrf_token: token, password1: 'An0ther-pass#word', password2: 'An0ther-pass#word' });
  assert.equal(replay.status, 400);
  assert.equal((await login(new Client(server.url), user.username, newPassword)).status, 302, 'a replayed link changed the password');
});

/** Links a GitHub identity and makes a live API key for user id (rows as the sign-in
 * and the keys page write them). */
function giveWaysIn(uid, subject) {
  const now = Date.now();
  dbExec(server, `INSERT INTO identities (provider, subject, user_id, email, created_at, last_used) VALUES ('github', '${subject}', ${uid}, 'evil@evil.test', ${now}, ${now})`);
  dbExec(server, `INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at) VALUES (${uid}, 'evil key', 'sk-evil', 'hash-${subject}', ${now})`);
}

test('a reset of an account whose e-mail was unproven removes its identities and API keys, and proves the e-mail', async () => {
  // The attacker signed up with the victim's address, linked their GitHub, made a key.
  const { user } = await signedUpClient(server.url, 'squat');
  const uid = Number(dbQuery(server, `SELECT id FROM users WHERE username = '${user.username}'`)[0].id);
  assert.equal(Number(dbQuery(server, `SELECT email_verified AS v FROM users WHERE id = ${uid}`)[0].v), 0, 'signup proves no e-mail');
  giveWaysIn(uid, `squat-${uid}`);
  assert.equal((await askReset(server.url, user.email, nextIp())).status, 302);
  const link = linkOf(await mailFor(user.email));
  const setter = new Client(server.url);
  const set = await setPassword(setter, link.path, 'Victim-owns#it9');
  assert.equal(set.status, 302);
  assert.equal(set.location, '/accounts/password/reset/key/done/?unproven=1');
  assert.match((await setter.get(set.location)).text, /Any API keys of the account were revoked and any linked sign-ins removed/);
  assert.equal(dbQuery(server, `SELECT id FROM identities WHERE user_id = ${uid}`).length, 0, 'the attacker identity survived the reset');
  const keys = dbQuery(server, `SELECT revoked_at FROM api_keys WHERE user_id = ${uid}`);
  assert.equal(keys.length, 1);
  assert.ok(keys[0].revoked_at !== null, 'the attacker API key survived the reset');
  assert.equal(Number(dbQuery(server, `SELECT email_verified AS v FROM users WHERE id = ${uid}`)[0].v), 1, 'a reset proves the mailbox');

  // Proven now: a second reset keeps what was added since, and lists it with where to remove it.
  giveWaysIn(uid, `later-${uid}`);
  assert.equal((await askReset(server.url, user.email, nextIp())).status, 302);
  const link2 = linkOf(await mailFor(user.email));
  const page = await setPassword(new Client(server.url), link2.path, 'Victim-owns#it10');
  assert.equal(page.status, 200, page.text.slice(0, 500));
  assert.match(page.text, /Your password is now changed/);
  assert.match(page.text, /<li>github evil@evil\.test<\/li>/);
  assert.match(page.text, /<li>evil key \(sk-evil…\)<\/li>/);
  assert.match(page.text, /href="\/accounts\/login\/\?next=\/accounts\/social\/connections\/"/);
  assert.match(page.text, /href="\/accounts\/login\/\?next=\/accounts\/keys\/"/);
  assert.equal(dbQuery(server, `SELECT id FROM identities WHERE user_id = ${uid}`).length, 1);
  assert.equal(dbQuery(server, `SELECT id FROM api_keys WHERE user_id = ${uid} AND revoked_at IS NULL`).length, 1);
  assert.equal((await login(new Client(server.url), user.username, 'Victim-owns#it10')).status, 302);
});

test('an unknown address and an inactive account get exactly the answer a known one gets, and no mail', async () => {
  const { user } = await signedUpClient(server.url, 'known');
  const { user: sleeper } = await signedUpClient(server.url, 'inactive');
  dbExec(server, `UPDATE users SET is_active = 0 WHERE username = '${sleeper.username}'`);
  const ip = nextIp();
  const known = await askReset(server.url, user.email, ip);
  const unknown = await askReset(server.url, `nobody-${user.username}@mail.test`, ip);
  const inactive = await askReset(server.url, sleeper.email, ip);
  for (const [what, r] of [['unknown', unknown], ['inactive', inactive]]) {
    assert.equal(r.status, known.status, what);
    assert.equal(r.location, known.location, what);
    assert.equal(r.text, known.text, what);
    assert.deepEqual(r.setCookies, known.setCookies, what);
  }
  const mail = await mailFor(user.email);
  assert.ok(mail);
  assert.equal(await smtp.nextMessage(1500), null, 'a mail went to an unknown or inactive address');
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM password_resets r JOIN users u ON u.id = r.user_id WHERE u.username = '${sleeper.username}'`)[0].n, 0);
});

test('an expired link fails; a new link kills the older ones; a refused password leaves the link usable', async () => {
  const { user } = await signedUpClient(server.url, 'expire');
  const ip = nextIp();
  await askReset(server.url, user.email, ip);
  const old = linkOf(await mailFor(user.email));
  dbExec(server, `UPDATE password_resets SET expires_at = ${Date.now() - 1000} WHERE user_id = (SELECT id FROM users WHERE username = '${user.username}')`);
  const c = new Client(server.url);
  const expired = await c.get(old.path);
  assert.equal(expired.status, 400);
  assert.match(expired.text, /invalid or has been used/);
  assert.equal(findForm(expired.text, 'password1'), null);

  await askReset(server.url, user.email, ip);
  const a = linkOf(await mailFor(user.email));
  await askReset(server.url, user.email, ip);
  const b = linkOf(await mailFor(user.email));
  assert.notEqual(a.token, b.token);

  // The same rules as signup and change: a numeric, short password is refused with the reasons.
  const weak = await setPassword(c, b.path, '1234567');
  assert.equal(weak.status, 400);
  assert.match(weak.text, /too short/);
  assert.match(weak.text, /entirely numeric/);
  const mismatch = await setPassword(c, b.path, 'Fine-pass#word1', 'Fine-pass#word2');
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.text, /same password each time/);

  assert.equal((await setPassword(c, b.path, 'Fine-pass#word1')).status, 302, 'the link died with a refused password');
  assert.equal((await new Client(server.url).get(a.path)).status, 400, 'an older link outlived the reset');
  assert.equal((await login(new Client(server.url), user.username, 'Fine-pass#word1')).status, 302);
});

test('two uses of one link at once: exactly one sets its password', async () => {
  const { user } = await signedUpClient(server.url, 'race');
  await askReset(server.url, user.email, nextIp());
  const link = linkOf(await mailFor(user.email));
  const clients = [0, 1, 2, 3].map(() => new Client(server.url));
  const forms = await Promise.all(clients.map((c) => c.getForm(link.path, 'password1')));
  const passwords = ['Race-pass#word-0', 'Race-pass#word-1', 'Race-pass#word-2', 'Race-pass#word-3'];
  const results = await Promise.all(clients.map((c, i) => c.postForm(link.path, { ...forms[i].form.hidden, password1: passwords[i], password2: passwords[i] })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 302).length, 1, `statuses: ${statuses}`);
  assert.equal(statuses.filter((s) => s === 400).length, 3, `statuses: ${statuses}`);
  const winner = passwords[statuses.indexOf(302)];
  for (const p of passwords) {
    assert.equal((await login(new Client(server.url), user.username, p)).status, p === winner ? 302 : 400, p);
  }
});

test('throttled per address typed: the 3rd request in an hour is accepted, the 4th refused (known or not)', async () => {
  const { user } = await signedUpClient(server.url, 'bomb');
  for (const email of [user.email, `ghost-${user.username}@mail.test`]) {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await askReset(server.url, i % 2 ? email.toUpperCase() : email, nextIp())).status);
    assert.deepEqual(statuses, [302, 302, 302, 429], email);
  }
  for (let i = 0; i < 3; i++) assert.ok(await mailFor(user.email));
  assert.equal(await smtp.nextMessage(1000), null, 'a 4th mail was sent');
});

test('throttled per client: the 10th request in an hour is accepted, the 11th refused', async () => {
  const ip = nextIp();
  const statuses = [];
  for (let i = 0; i < 11; i++) statuses.push((await askReset(server.url, `someone-${i}-${ip}@mail.test`, ip)).status);
  assert.deepEqual(statuses, [...Array(10).fill(302), 429]);
  assert.equal((await askReset(server.url, `someone-else-${ip}@mail.test`, nextIp())).status, 302, 'another client is refused');
});

test('a malformed address is refused with a reason, whatever the accounts', async () => {
  const r = await askReset(server.url, 'not an address', nextIp());
  assert.equal(r.status, 400);
  assert.match(r.text, /Enter a valid email address/);
  const long = await askReset(server.url, `${'a'.repeat(250)}@mail.test`, nextIp());
  assert.equal(long.status, 400);
  // Not ASCII (the Kelvin sign, which PostgreSQL's lower() makes a 'k'), or with DEL:
  // refused, and counted by no throttle.
  for (const bad of ['\u212Aelvin@mail.test', 'caf\u00e9@mail.test', 'del\u007f@mail.test']) {
    const r2 = await askReset(server.url, bad, nextIp());
    assert.equal(r2.status, 400, bad);
    assert.match(r2.text, /plain ASCII|Enter a valid email address/);
  }
  assert.match((await askReset(server.url, '\u212Aelvin@mail.test', nextIp())).text, /Enter the address in plain ASCII characters/);
});

test('a malformed or unknown token gets the bad-link page', async () => {
  const c = new Client(server.url);
  for (const t of ['abc', 'A'.repeat(43), `${'A'.repeat(42)}!`, 'x'.repeat(128)]) {
    const r = await c.get(`/accounts/password/reset/key/${encodeURIComponent(t)}/`);
    assert.ok([400, 404].includes(r.status), `${t}: ${r.status}`);
    assert.equal(findForm(r.text, 'password1'), null, t);
  }
  assert.equal((await c.get(`/accounts/password/reset/key/${'A'.repeat(43)}/`)).status, 400);
});

test('a refused SMTP login: no mail, the error logged without the password', async () => {
  const { server: s2 } = await serverWith({ SMTP_URL: smtp.url({ pass: 'wrong-Secret-77' }), SMTP_FROM: FROM, SMTP_CA_FILE: smtp.caFile });
  try {
    const { user } = await signedUpClient(s2.url, 'nomail');
    const before = smtp.authFailures.length;
    assert.equal((await askReset(s2.url, user.email, nextIp())).status, 302);
    for (let i = 0; i < 100 && !/no mail sent/.test(s2.stderr()); i++) await sleep(100);
    assert.match(s2.stderr(), new RegExp(`password reset: no mail sent to user \\d+ at ${user.email.replace(/\./g, '\\.')}: .*535`));
    assert.ok(!s2.stderr().includes('wrong-Secret-77'), 'the SMTP password was logged');
    assert.equal(smtp.authFailures.length, before + 1);
    assert.equal(smtp.authFailures.at(-1).secure, true, 'the password was offered before STARTTLS');
    assert.equal(await smtp.nextMessage(500), null);
  } finally {
    await s2.stop();
  }
});

test('without SMTP_URL the link is written to the log with a warning, and works', async () => {
  const { server: s2, publicUrl: pub } = await serverWith({});
  try {
    const { user } = await signedUpClient(s2.url, 'logged');
    const unknown = await askReset(s2.url, `nobody-${user.username}@mail.test`, nextIp());
    const r = await askReset(s2.url, user.email, nextIp());
    assert.equal(r.status, 302);
    assert.equal(unknown.text, r.text);
    // The link is made and logged after the answer, by the background job.
    for (let i = 0; i < 100 && !/SMTP_URL is not set/.test(s2.stderr()); i++) await sleep(50);
    const m = /warn password reset: SMTP_URL is not set.*(http:\/\/\S+\/accounts\/password\/reset\/key\/[A-Za-z0-9_-]{43}\/)/.exec(s2.stderr());
    assert.ok(m, `no link in the log:\n${s2.stderr().slice(-2000)}`);
    assert.equal(s2.stderr().match(/SMTP_URL is not set/g).length, 1, 'a link was logged for an unknown address');
    assert.ok(m[1].startsWith(pub));
    const c = new Client(s2.url);
    assert.equal((await setPassword(c, new URL(m[1]).pathname, 'Logged-pass#word9')).status, 302);
    assert.equal((await login(new Client(s2.url), user.username, 'Logged-pass#word9')).status, 302);
  } finally {
    await s2.stop();
  }
});

/** A server mailing through smtpUrl; asks one reset; returns { mail, log }. */
async function oneReset(env, mailServer, waitMs = 10000) {
  const { server: s2 } = await serverWith({ SMTP_FROM: FROM, ...env });
  try {
    const { user } = await signedUpClient(s2.url, 'tls');
    assert.equal((await askReset(s2.url, user.email, nextIp())).status, 302);
    const mail = await mailServer.nextMessage(waitMs);
    for (let i = 0; i < 100 && !mail && !/no mail sent/.test(s2.stderr()); i++) await sleep(100);
    return { mail, log: s2.stderr(), user };
  } finally {
    await s2.stop();
  }
}

test('smtps:// delivers over TLS; ?starttls refuses a server without STARTTLS; an untrusted certificate is refused', async () => {
  const implicit = await startSmtpServer({ tls: 'implicit' });
  const plain = await startSmtpServer({ tls: 'none' });
  try {
    const a = await oneReset({ SMTP_URL: implicit.url(), SMTP_CA_FILE: implicit.caFile }, implicit);
    assert.ok(a.mail, `no mail over smtps:\n${a.log.slice(-1500)}`);
    assert.equal(a.mail.secure, true);
    assert.equal(a.mail.user, 'llmmeta');

    // Required STARTTLS and a server that does not offer it: nothing sent, the password never offered.
    const b = await oneReset({ SMTP_URL: plain.url({ starttls: true }) }, plain, 1500);
    assert.equal(b.mail, null);
    assert.match(b.log, /no mail sent/);
    assert.equal(plain.authFailures.length, 0);

    // The self-signed certificate without SMTP_CA_FILE: not trusted, nothing sent.
    const c = await oneReset({ SMTP_URL: implicit.url() }, implicit, 1500);
    assert.equal(c.mail, null);
    assert.match(c.log, /no mail sent/);

    // Plain smtp:// without ?starttls is a clear connection (for a local relay), by choice.
    const d = await oneReset({ SMTP_URL: plain.url() }, plain);
    assert.ok(d.mail, `no mail over plain smtp:\n${d.log.slice(-1500)}`);
    assert.equal(d.mail.secure, false);
    assert.equal(d.mail.user, 'llmmeta');
  } finally {
    await implicit.close();
    await plain.close();
  }
});

/** An IPv4 address of this machine that is not loopback (a relay "across a network"). */
function outwardAddress() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return null;
}

test('plain smtp:// to a relay across a network uses STARTTLS when offered; to this machine it stays clear', async () => {
  const host = outwardAddress();
  assert.ok(host, 'this machine has no non-loopback IPv4 address to test with');
  const remote = await startSmtpServer({ tls: 'starttls', host });
  const local = await startSmtpServer({ tls: 'starttls' });
  try {
    const url = remote.url({ starttls: false });
    assert.match(url, /^smtp:\/\/[^?]+$/);
    const a = await oneReset({ SMTP_URL: url, SMTP_CA_FILE: remote.caFile }, remote);
    assert.ok(a.mail, `no mail to ${host}:\n${a.log.slice(-1500)}`);
    assert.equal(a.mail.secure, true, 'the link and the password went in clear to a relay that offered STARTTLS');
    assert.equal(a.mail.user, 'llmmeta');
    const b = await oneReset({ SMTP_URL: local.url({ starttls: false }) }, local);
    assert.ok(b.mail, `no mail to 127.0.0.1:\n${b.log.slice(-1500)}`);
    assert.equal(b.mail.secure, false, 'a local relay is reached as configured, in clear');
  } finally {
    await remote.close();
    await local.close();
  }
});

test('a bad SMTP setting stops start-up with a line naming the variable', async () => {
  const { runCli } = await import('../lib/server.mjs');
  for (const [env, variable] of [
    [{ SMTP_URL: 'http://mail.test', SMTP_FROM: FROM }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://u:Very-Secret-9@mail.test?tls', SMTP_FROM: FROM }, 'SMTP_URL'],
    [{ SMTP_URL: 'smtp://mail.test' }, 'SMTP_FROM'],
    [{ SMTP_URL: 'smtp://mail.test', SMTP_FROM: 'nobody' }, 'SMTP_FROM'],
  ]) {
    const r = await runCli(['serve'], { env: { ...env, DATABASE_URL: 'sqlite:///nonexistent/x.db' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`${variable}:`), JSON.stringify(env));
    assert.ok(!r.stderr.includes('Very-Secret-9'), 'the password is in the message');
  }
});

test('an administrator adds a user without a password: the link in the invitation sets the first one', async () => {
  const admin = await adminClient(server);
  const user = newUser('invited');
  const page = await admin.client.get('/admin/users/new/');
  assert.equal(page.status, 200);
  assert.match(page.text, /Leave both password fields empty to e-mail an invitation/);
  const r = await admin.client.submitForm('/admin/users/new/', 'username', { username: user.username, email: user.email, password1: '', password2: '' });
  assert.equal(r.status, 303, r.text.slice(0, 800));
  const id = Number(dbQuery(server, `SELECT id FROM users WHERE username = '${user.username}'`)[0].id);
  assert.equal(r.location, `/admin/users/${id}/?added=invited`);
  assert.match((await admin.client.get(r.location)).text, /Added [^<]+\. An invitation to choose a password was e-mailed to them\./);
  assert.equal((await login(new Client(server.url), user.username, '')).status, 400, 'no password works before the link');
  const mail = await mailFor(user.email);
  assert.equal(mail.headers.subject, 'Your new account');
  assert.match(mail.body, /an administrator made you an account/);
  const link = linkOf(mail);
  const c = new Client(server.url);
  assert.equal((await setPassword(c, link.path, user.password)).status, 302);
  assert.equal((await login(new Client(server.url), user.username, user.password)).status, 302, 'the chosen password works');
  const log = dbQuery(server, `SELECT action, object_label, new_value FROM admin_log WHERE object_id = ${id} AND action = 'user_create'`);
  assert.deepEqual(log, [{ action: 'user_create', object_label: user.username, new_value: 'invited' }]);
});
