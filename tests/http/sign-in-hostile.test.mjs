// Sign-in with an OpenID Connect provider that misbehaves (tests/lib/hostile-oidc.mjs):
// every ID token check refuses what it must - wrong nonce, expired (at the leeway's
// edge), issued for another audience or by another issuer, badly signed, alg "none",
// HS256 under the public key, a key never published - and accepts a key rotation by
// fetching the JWKS again once. Client authentication follows what discovery
// advertises. A provider that is down or answers garbage gets a clear message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Client, dbQuery, dbExec, errorTexts } from '../lib/server.mjs';
import { isLoggedIn } from '../lib/flows.mjs';
import { startHostileOidc, signJwt } from '../lib/hostile-oidc.mjs';
import { reservePort, startOn, pressButton, assertNoSession } from '../lib/sign-in.mjs';

let server, idp;
before(async () => {
  idp = await startHostileOidc();
  const { port } = await reservePort('oidc');
  server = await startOn(port, { OIDC_ISSUER: idp.issuer, OIDC_CLIENT_ID: idp.clientId, OIDC_CLIENT_SECRET: idp.clientSecret });
});
after(async () => { await server?.stop(); await idp?.stop(); });

function reset() {
  for (const k of ['claims', 'sign', 'tokenStatus', 'tokenBody', 'discoveryBody', 'jwksBody', 'email', 'emailVerified', 'sub']) delete idp.opts[k];
  idp.opts.authMethods = ['client_secret_basic'];
  idp.opts.userinfo = null;
}

let subs = 0;
/** One sign-in through the hostile provider as a fresh subject; returns the callback's answer. */
async function signIn(opts = {}) {
  reset();
  Object.assign(idp.opts, { sub: `h-${++subs}`, email: `h${subs}@oidc.test` }, opts);
  const client = new Client(server.url);
  const start = await pressButton(client, 'oidc');
  if (start.status !== 302) return { client, r: start };
  const redirect = await fetch(start.location, { redirect: 'manual' });
  const r = await client.get(redirect.headers.get('location'));
  return { client, r, sub: idp.opts.sub };
}

async function assertRefused(opts, mention) {
  const before = dbQuery(server, 'SELECT count(*) AS n FROM users')[0].n;
  const { client, r } = await signIn(opts);
  assert.ok(r.status === 502 || r.status === 400, `status ${r.status}: ${r.text.slice(0, 800)}`);
  const errs = errorTexts(r.text).join(' ');
  assert.match(errs, /Signing in with OpenID Connect (failed|is not possible)/);
  if (mention) assert.match(errs, mention);
  assertNoSession(r);
  assert.equal(await isLoggedIn(client), false);
  assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM users')[0].n, before, 'no account created');
}

const now = () => Math.floor(Date.now() / 1000);

test('a well-formed sign-in succeeds: PKCE verified by the provider, client_secret_basic as advertised', async () => {
  const n = idp.requests.length;
  const { client, r } = await signIn();
  assert.equal(r.status, 302, r.text.slice(0, 800));
  assert.ok(await isLoggedIn(client));
  const token = idp.requests.slice(n).find((q) => q.path === '/token');
  assert.match(token.headers.authorization, /^Basic /);
  assert.ok(!new URLSearchParams(token.body).has('client_secret'), 'the secret is sent once, in the header');
});

test('client_secret_post when the provider advertises only that', async () => {
  // Discovery is cached for an hour: another provider and server, advertising post.
  const post = await startHostileOidc();
  post.opts.authMethods = ['client_secret_post'];
  const { port } = await reservePort('oidc');
  const s = await startOn(port, { OIDC_ISSUER: post.issuer, OIDC_CLIENT_ID: post.clientId, OIDC_CLIENT_SECRET: post.clientSecret });
  try {
    const client = new Client(s.url);
    const start = await pressButton(client, 'oidc');
    const redirect = await fetch(start.location, { redirect: 'manual' });
    const r = await client.get(redirect.headers.get('location'));
    assert.equal(r.status, 302, r.text.slice(0, 800));
    const token = post.requests.find((q) => q.path === '/token');
    assert.equal(token.headers.authorization, undefined);
    assert.equal(new URLSearchParams(token.body).get('client_secret'), post.clientSecret);
    assert.equal(new URLSearchParams(token.body).get('client_id'), post.clientId);
  } finally {
    await s.stop();
    await post.stop();
  }
});

test('a wrong nonce is refused', async () => {
  await assertRefused({ claims: (c) => ({ ...c, nonce: 'not-the-nonce' }) }, /nonce/);
});
test('a missing nonce is refused', async () => {
  await assertRefused({ claims: ({ nonce, ...c }) => c }, /nonce/);
});

test('expiry: accepted within the 60 s leeway, refused past it', async () => {
  const { r } = await signIn({ claims: (c) => ({ ...c, exp: now() - 50 }) });
  assert.equal(r.status, 302, 'expired 50 s ago is within the leeway');
  await assertRefused({ claims: (c) => ({ ...c, exp: now() - 70 }) }, /expired/);
});

test('an issue time in the future (past the leeway) or long ago is refused', async () => {
  const { r } = await signIn({ claims: (c) => ({ ...c, iat: now() + 50 }) });
  assert.equal(r.status, 302, 'iat 50 s ahead is within the leeway');
  await assertRefused({ claims: (c) => ({ ...c, iat: now() + 120 }) }, /issue time/);
  await assertRefused({ claims: (c) => ({ ...c, iat: now() - 3600, exp: now() + 300 }) }, /issue time/);
  await assertRefused({ claims: ({ iat, ...c }) => c }, /issue time/);
});

test('another issuer, another audience, or several audiences without azp are refused', async () => {
  await assertRefused({ claims: (c) => ({ ...c, iss: 'https://evil.test' }) }, /issued by someone else/);
  await assertRefused({ claims: (c) => ({ ...c, aud: 'another-client' }) }, /another client/);
  await assertRefused({ claims: (c) => ({ ...c, aud: ['another-client', c.aud] }) }, /azp/);
  await assertRefused({ claims: (c) => ({ ...c, aud: [c.aud], azp: 'another-client' }) }, /azp/);
  const { r } = await signIn({ claims: (c) => ({ ...c, aud: ['another-client', c.aud], azp: c.aud }) });
  assert.equal(r.status, 302, 'several audiences with azp = our client are fine');
});

test('a bad signature, alg none and HS256 under the public key are refused', async () => {
  await assertRefused({ sign: (c, { keys }) => {
    const t = signJwt(c, { key: keys[0] });
    const [h, p, s] = t.split('.');
    return `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
  } }, /signature does not verify/);
  await assertRefused({ sign: (c, { keys }) => {
    // The payload changed after signing.
    const t = signJwt(c, { key: keys[0] });
    const [h, , s] = t.split('.');
    return `${h}.${Buffer.from(JSON.stringify({ ...c, sub: 'admin' })).toString('base64url')}.${s}`;
  } }, /signature does not verify/);
  await assertRefused({ sign: (c) => signJwt(c, { alg: 'none', kid: 'k1' }) }, /algorithm none/);
  await assertRefused({ sign: (c, { keys }) => signJwt(c, { alg: 'HS256', kid: 'k1',
    secret: keys[0].publicKey.export({ type: 'spki', format: 'pem' }) }) }, /algorithm HS256/);
});

test('a key rotation is followed by fetching the JWKS once more; a key never published is refused', async () => {
  await signIn(); // the JWKS is cached
  const k = idp.rotate(`k-rot-${Date.now()}`);
  const n = idp.requests.filter((q) => q.path === '/jwks').length;
  const { r } = await signIn({ sign: (c) => signJwt(c, { key: k }) });
  assert.equal(r.status, 302, r.text.slice(0, 800));
  assert.equal(idp.requests.filter((q) => q.path === '/jwks').length, n + 1, 'exactly one more JWKS fetch');
  const { r: r2 } = await signIn({ sign: (c) => signJwt(c, { key: k }) });
  assert.equal(r2.status, 302);
  assert.equal(idp.requests.filter((q) => q.path === '/jwks').length, n + 1, 'the new key is cached');
  const ghost = idp.unpublishedKey('k-ghost');
  await assertRefused({ sign: (c) => signJwt(c, { key: ghost }) }, /does not publish/);
  // A published kid with another key's signature is refused too.
  await assertRefused({ sign: (c) => signJwt(c, { key: ghost, kid: 'k1' }) }, /signature does not verify/);
});

test('malformed base64url in a token or a JWKS is refused without reaching libcjose (whose decoder aborts on it)', async () => {
  // 5 characters (1 modulo 4) and a '=' inside: libcjose's decoder assert()s on both.
  await assertRefused({ tokenBody: { id_token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.AAAAA.AAAA' } }, /not a signed JWT/);
  await assertRefused({ tokenBody: { id_token: 'eyJhbGciOiJFUzI1NiIsImNya=QiOlsieCJdfQ.W10.' } }, /not a signed JWT/);
  const bad = idp.unpublishedKey('k-malformed');
  await assertRefused({ jwksBody: { keys: [{ ...bad.jwk, n: 'AAAAA' }] }, sign: (c) => signJwt(c, { key: bad }) },
    /does not publish|signature does not verify/);
  const { r } = await signIn(); // still serving
  assert.equal(r.status, 302);
});

test('the userinfo endpoint fills in the e-mail, and must describe the same user', async () => {
  const { r, sub } = await signIn({ claims: ({ email, email_verified, ...c }) => c,
    userinfo: { sub: `h-${subs + 1}` } });
  assert.equal(r.status, 302, 'no e-mail at all is fine');
  assert.equal(dbQuery(server, `SELECT email FROM identities WHERE subject LIKE '% ${sub}'`)[0].email, '');
  const s2 = `h-${subs + 1}`;
  const { r: r2 } = await signIn({ claims: ({ email, email_verified, ...c }) => c,
    userinfo: { sub: s2, email: 'from-userinfo@oidc.test', email_verified: true } });
  assert.equal(r2.status, 302, r2.text.slice(0, 800));
  assert.equal(dbQuery(server, `SELECT email FROM identities WHERE subject LIKE '% ${s2}'`)[0].email, 'from-userinfo@oidc.test');
  await assertRefused({ claims: ({ email, email_verified, ...c }) => c,
    userinfo: { sub: 'somebody-else', email: 'x@oidc.test', email_verified: true } }, /another user/);
  await assertRefused({ claims: ({ email, email_verified, ...c }) => c, userinfo: null }, /userinfo endpoint answered HTTP 404/);
});

test('an e-mail no account could have (over 254 characters) counts as none', async () => {
  const ok = `${'a'.repeat(64)}@${'b'.repeat(184)}.test`; // 254 characters
  assert.equal(ok.length, 254);
  const { r, sub } = await signIn({ email: ok });
  assert.equal(r.status, 302);
  assert.equal(dbQuery(server, `SELECT u.email FROM identities i JOIN users u ON u.id = i.user_id WHERE i.subject LIKE '% ${sub}'`)[0].email, ok);
  const { r: r2, sub: sub2 } = await signIn({ email: `a${ok}` });
  assert.equal(r2.status, 302);
  const [row] = dbQuery(server, `SELECT u.email, i.email AS ie FROM identities i JOIN users u ON u.id = i.user_id WHERE i.subject LIKE '% ${sub2}'`);
  assert.deepEqual(row, { email: '', ie: '' });
});

test('a token endpoint that fails or answers garbage gets a clear message', async () => {
  await assertRefused({ tokenStatus: 500 }, /token endpoint answered HTTP 500/);
  await assertRefused({ tokenBody: '<html>not json' }, /not the JSON expected/);
  await assertRefused({ tokenBody: { access_token: 'x', token_type: 'Bearer' } }, /no ID token/);
  await assertRefused({ tokenBody: { id_token: 'not.a.jwt' } }, /not a signed JWT/);
});

test('an authorization page on another origin than the issuer is reached by a page, not a redirect (CSP form-action)', async () => {
  const other = await startHostileOidc();
  const port = Number(new URL(other.issuer).port);
  other.opts.discoveryBody = JSON.stringify({ issuer: other.issuer, authorization_endpoint: `http://localhost:${port}/authorize`,
    token_endpoint: `${other.issuer}/token`, jwks_uri: `${other.issuer}/jwks` });
  const { port: p2 } = await reservePort('oidc');
  const s = await startOn(p2, { OIDC_ISSUER: other.issuer, OIDC_CLIENT_ID: other.clientId, OIDC_CLIENT_SECRET: other.clientSecret });
  try {
    const r = await pressButton(new Client(s.url), 'oidc');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('refresh'), new RegExp(`^0; url=http://localhost:${port}/authorize\\?`));
    assert.match(r.text, new RegExp(`<a href="http://localhost:${port}/authorize\\?[^"]*state=`));
  } finally {
    await s.stop();
    await other.stop();
  }
});

/** A fresh llmmeta (an empty discovery cache) on the hostile provider idp2. */
async function freshServer(idp2, env = {}) {
  const { port } = await reservePort('oidc');
  return startOn(port, { OIDC_ISSUER: idp2.issuer, OIDC_CLIENT_ID: idp2.clientId, OIDC_CLIENT_SECRET: idp2.clientSecret, ...env });
}
const discoveries = (idp2) => idp2.requests.filter((q) => q.path === '/.well-known/openid-configuration').length;

test('a discovery document that names another issuer stops the sign-in before it starts; the failure is remembered', async () => {
  const bad = await startHostileOidc();
  bad.opts.discoveryBody = JSON.stringify({ issuer: 'https://evil.test', authorization_endpoint: `${bad.issuer}/authorize`,
    token_endpoint: `${bad.issuer}/token`, jwks_uri: `${bad.issuer}/jwks` });
  const s = await freshServer(bad);
  try {
    const c = new Client(s.url);
    const r = await pressButton(c, 'oidc');
    assert.equal(r.status, 502);
    assert.match(errorTexts(r.text).join(' '), /not possible right now: the discovery document names another issuer/);
    // Remembered for 30 s: the next sign-in fails at once, without asking the provider.
    const n = discoveries(bad);
    bad.opts.discoveryBody = 'garbage{';
    const r2 = await pressButton(c, 'oidc');
    assert.equal(r2.status, 502);
    assert.match(errorTexts(r2.text).join(' '), /names another issuer \(less than 30 s ago\)/);
    assert.equal(discoveries(bad), n, 'a failed discovery was fetched again at once');
    assertNoSession(r2);
  } finally {
    await s.stop();
    await bad.stop();
  }
});

test('a discovery document that is no JSON, or a provider that cannot be reached, gets a clear message', async () => {
  const bad = await startHostileOidc();
  bad.opts.discoveryBody = 'garbage{';
  const s = await freshServer(bad);
  const gone = await startHostileOidc();
  const s2 = await freshServer(gone);
  await gone.stop();
  try {
    const r = await pressButton(new Client(s.url), 'oidc');
    assert.equal(r.status, 502);
    assert.match(errorTexts(r.text).join(' '), /not the JSON expected/);
    const r2 = await pressButton(new Client(s2.url), 'oidc');
    assert.equal(r2.status, 502);
    assert.match(errorTexts(r2.text).join(' '), /could not be reached/);
    assertNoSession(r2);
  } finally {
    await s.stop();
    await s2.stop();
    await bad.stop();
  }
});

/** GETs url + '/' on a new connection each time (the server's threads keep the
 * connections they accepted: a kept-alive one could belong to the thread that is
 * busy), every everyMs for ms; { failed, p99 } in ms, as wellBehaved (tests/lib/hostile.mjs). */
async function probeFresh(url, { ms = 1500, everyMs = 50, timeoutMs = 2500 } = {}) {
  const latencies = [];
  let failed = 0;
  for (const end = Date.now() + ms; Date.now() < end;) {
    const t = performance.now();
    const status = await new Promise((resolve) => {
      const req = http.get(`${url}/`, { agent: false, timeout: timeoutMs }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(0));
    });
    if (status !== 200) failed++;
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  latencies.sort((a, b) => a - b);
  return { failed, p99: latencies[Math.min(latencies.length - 1, Math.floor(0.99 * latencies.length))] };
}

test('a slow discovery holds one request, not every worker: the others fail at once and / still answers', async () => {
  const slow = await startHostileOidc();
  // 6 s against bounds of 2.5 s: a loaded machine stays far inside either side.
  slow.opts.discoveryDelayMs = 6000;
  slow.opts.discoveryStatus = 503;
  const s = await freshServer(slow, { THREADS: '2' });
  try {
    const signIns = Array.from({ length: 6 }, () => pressButton(new Client(s.url), 'oidc'));
    await new Promise((r) => setTimeout(r, 300));
    const health = await probeFresh(s.url);
    const done = await Promise.all(signIns);
    assert.equal(health.failed, 0, `/ failed ${health.failed} times while discovery hung`);
    assert.ok(health.p99 < 2500, `/ took up to ${health.p99.toFixed(0)} ms (p99) while discovery hung`);
    for (const r of done) assert.equal(r.status, 502);
    // The time each sign-in spent in the server (the request log's, so that waiting
    // for a busy thread in the queue does not count): one waited for the provider.
    const posts = () => [...s.stderr().matchAll(/POST \/accounts\/oidc\/login\/ 502 \d+B (\d+)ms/g)];
    for (let i = 0; i < 200 && posts().length < 6; i++) await new Promise((r) => setTimeout(r, 50)); // logged after the answer
    const times = posts().map((m) => Number(m[1]));
    assert.equal(times.length, 6, s.stderr().slice(-3000));
    assert.equal(times.filter((t) => t >= 5500).length, 1, `handler times ${times}`);
    assert.equal(times.filter((t) => t < 2500).length, 5, `sign-ins waited for the one fetching: ${times}`);
    // The five that did not fetch were told so at once: while the fetch was under way,
    // or - a kept-alive connection that libmicrohttpd had given to the busy worker
    // thread waits for it - after, from the remembered failure. Either way no second
    // fetch (below) and no wait in the handler (above).
    const said = done.map((r) => errorTexts(r.text).join(' '));
    const fetcher = said.filter((t) => /answered HTTP 503/.test(t) && !/less than 30 s ago/.test(t));
    const others = said.filter((t) => /being fetched for another sign-in|answered HTTP 503.*less than 30 s ago/.test(t));
    assert.equal(fetcher.length, 1, said.join(' | '));
    assert.equal(others.length, 5, said.join(' | '));
    assert.equal(discoveries(slow), 1, 'one fetch at a time');
    // The failure is remembered: the next sign-in fails at once, without a fetch.
    const again = await pressButton(new Client(s.url), 'oidc');
    assert.equal(again.status, 502);
    assert.match(errorTexts(again.text).join(' '), /answered HTTP 503.*less than 30 s ago/);
    assert.equal(discoveries(slow), 1);
  } finally {
    await s.stop();
    await slow.stop();
  }
});

test('an address at its limit of sign-ins in progress gets 429 before discovery is asked', async () => {
  const idp2 = await startHostileOidc();
  const s = await freshServer(idp2);
  try {
    const until = Date.now() + 600000;
    const rows = Array.from({ length: 20 }, (_, i) => `('limit-${i}', 'b', 'oidc', 'n', 'v', '/', '127.0.0.1', ${until})`).join(', ');
    dbExec(s, `INSERT INTO oauth_states (state_hash, browser_hash, provider, nonce, verifier, next, addr, expires_at) VALUES ${rows}`);
    const r = await pressButton(new Client(s.url), 'oidc');
    assert.equal(r.status, 429);
    assert.equal(discoveries(idp2), 0, 'discovery was fetched for an address past its limit');
    dbExec(s, "DELETE FROM oauth_states WHERE state_hash = 'limit-0'");
    assert.equal((await pressButton(new Client(s.url), 'oidc')).status, 302, 'the 20th sign-in in progress');
  } finally {
    await s.stop();
    await idp2.stop();
  }
});

test('an OIDC_ISSUER ending in / (as Auth0 names its issuers) is compared as configured', async () => {
  const slash = await startHostileOidc();
  slash.opts.issuerSlash = true;
  slash.opts.sub = 'slash-user';
  const s = await freshServer(slash, { OIDC_ISSUER: `${slash.issuer}/` });
  try {
    const client = new Client(s.url);
    const start = await pressButton(client, 'oidc');
    assert.equal(start.status, 302, start.text.slice(0, 800));
    const redirect = await fetch(start.location, { redirect: 'manual' });
    const r = await client.get(redirect.headers.get('location'));
    assert.equal(r.status, 302, r.text.slice(0, 800));
    assert.ok(await isLoggedIn(client));
    assert.equal(discoveries(slash), 1);
    assert.ok(slash.requests.some((q) => q.path === '/.well-known/openid-configuration'), 'no double slash in the URL');
  } finally {
    await s.stop();
    await slash.stop();
  }
});
