// Routing: trailing-slash 301s (query kept), 404 and 405 pages, static path traversal,
// and the safety of login's next= (only local paths, anything else goes to /).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawGet, rawHeader } from '../lib/server.mjs';
import { login, signedUpClient } from '../lib/flows.mjs';

let server, user;
before(async () => {
  server = await startServer();
  ({ user } = await signedUpClient(server.url, 'route'));
});
after(async () => { await server?.stop(); });

const path = (loc, base) => { const u = new URL(loc, base); return u.pathname + u.search; };

test('public pages answer 200 HTML', async () => {
  const c = new Client(server.url);
  for (const p of ['/', '/about/', '/accounts/login/', '/accounts/signup/']) {
    const r = await c.get(p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type') || '', /^text\/html/, p);
    assert.match(r.text, /<html/i, p);
  }
});

test('/about/ shows the version printed by --version', async () => {
  const r = await new Client(server.url).get('/about/');
  assert.match(r.text, /\d+\.\d+\.\d+/);
});

test('a path without trailing slash redirects 301 to the one with it, keeping the query', async () => {
  const c = new Client(server.url);
  for (const [from, to] of [['/about', '/about/'], ['/about?x=1&y=%20z', '/about/?x=1&y=%20z'],
    ['/accounts/login', '/accounts/login/'], ['/accounts/login?next=%2Fask%2F', '/accounts/login/?next=%2Fask%2F'], ['/health', '/health/']]) {
    const r = await c.get(from);
    assert.equal(r.status, 301, `${from} → ${r.status}`);
    assert.equal(path(r.location, server.url), to, from);
    assert.equal(new URL(r.location, server.url).origin, server.url, 'redirect must stay on this site');
  }
});

test('the slash redirect is never an open redirect', async () => {
  for (const p of ['//evil.example', '//evil.example/x', '/\\evil.example', '//evil.example?x=1']) {
    const r = await rawGet(server.port, p);
    assert.ok([301, 400, 404].includes(r.status), `${p} → ${r.status}`);
    const loc = rawHeader(r.head, 'location');
    if (r.status === 301) assert.equal(new URL(loc, server.url).origin, server.url, `${p} → Location ${loc}`);
  }
});

test('unknown paths answer 404 HTML', async () => {
  const c = new Client(server.url);
  for (const p of ['/no-such-page/', '/accounts/nope/', '/static/no-such-file.css']) {
    const r = await c.get(p);
    assert.equal(r.status, 404, p);
    if (!p.startsWith('/static/')) assert.match(r.headers.get('content-type') || '', /^text\/html/, p);
  }
});

test('static files cannot escape their directory', async () => {
  for (const p of ['/static/../Makefile', '/static/%2e%2e/Makefile', '/static/%2e%2e/%2e%2e/etc/passwd',
    '/static/..%2fMakefile', '/static/..%5cMakefile', '/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd']) {
    const r = await rawGet(server.port, p);
    assert.ok([301, 308, 400, 403, 404].includes(r.status), `${p} → ${r.status}`);
    if (r.status === 301 || r.status === 308) {
      const loc = new URL(rawHeader(r.head, 'location'), server.url);
      assert.equal(loc.origin, server.url, `${p} → ${loc}`);
    }
    assert.doesNotMatch(r.body, /root:x:0:0|\$\(CC\)|CFLAGS/, `${p} leaked a file`);
  }
});

test('a wrong method answers 405', async () => {
  const c = new Client(server.url);
  for (const [m, p] of [['DELETE', '/about/'], ['PUT', '/'], ['DELETE', '/health/'], ['PATCH', '/accounts/login/']]) {
    const r = await c.request(m, p);
    assert.equal(r.status, 405, `${m} ${p} → ${r.status}`);
  }
});

test('login next= goes to a local path', async () => {
  for (const next of ['/ask/', '/about/?a=1']) {
    const r = await login(new Client(server.url), user.username, user.password, { next });
    assert.equal(r.status, 302);
    const u = new URL(r.location, server.url);
    assert.equal(u.origin, server.url);
    assert.equal(u.pathname + u.search, next);
  }
});

test('login next= off-site goes to / instead', async () => {
  for (const next of ['https://evil.example/', '//evil.example', '/\\evil.example', '\\\\evil.example',
    'https:evil.example', 'https:/evil.example', '///evil.example', ' //evil.example', 'javascript:alert(1)', '\t//evil.example']) {
    const r = await login(new Client(server.url), user.username, user.password, { next });
    assert.equal(r.status, 302, `next=${JSON.stringify(next)} → ${r.status}`);
    // What a browser would do with the Location header:
    const u = new URL(r.location, server.url);
    assert.equal(u.origin, server.url, `next=${JSON.stringify(next)} → ${r.location}`);
    assert.equal(u.pathname, '/', `next=${JSON.stringify(next)} → ${r.location}`);
  }
});
