// Security headers on every kind of response, and the static stylesheet: linked with a
// version, served as text/css with an ETag, 304 on If-None-Match.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function assertSecurityHeaders(r, what) {
  const csp = r.headers.get('content-security-policy');
  assert.ok(csp, `${what}: no Content-Security-Policy`);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim()).filter(Boolean)
    .map((d) => { const [k, ...v] = d.split(/\s+/); return [k.toLowerCase(), v]; }));
  const script = directives['script-src'] ?? directives['default-src'];
  assert.ok(script, `${what}: CSP has neither script-src nor default-src: ${csp}`);
  assert.ok(!script.includes("'unsafe-inline'"), `${what}: script-src allows 'unsafe-inline': ${csp}`);
  assert.ok(!script.includes('*'), `${what}: script-src allows any origin: ${csp}`);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', `${what}: X-Frame-Options`);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${what}: X-Content-Type-Options`);
  assert.ok(r.headers.get('referrer-policy'), `${what}: no Referrer-Policy`);
}

test('security headers on pages, errors, redirects, JSON and static files', async () => {
  const c = new Client(server.url);
  const home = await c.get('/');
  const css = /<link\b[^>]*href="(\/static\/style\.css\?v=[^"]+)"/.exec(home.text)?.[1];
  const cases = [['GET', '/'], ['GET', '/about/'], ['GET', '/accounts/login/'], ['GET', '/no-such-page/'],
    ['GET', '/about'], ['DELETE', '/about/'], ['GET', '/health/'], ['POST', '/accounts/login/'], ['GET', '/ask/']];
  if (css) cases.push(['GET', css.replace(/&amp;/g, '&')]);
  for (const [m, p] of cases) assertSecurityHeaders(await c.request(m, p), `${m} ${p}`);
});

test('security headers for a logged-in user', async () => {
  const { client } = await signedUpClient(server.url, 'hdr');
  for (const p of ['/', '/ask/', '/accounts/password/change/']) {
    const r = await client.get(p);
    assert.equal(r.status, 200, p);
    assertSecurityHeaders(r, p);
  }
});

test('HTML pages have no inline script (CSP would block it)', async () => {
  const c = new Client(server.url);
  for (const p of ['/', '/about/', '/accounts/login/', '/accounts/signup/']) {
    const html = (await c.get(p)).text;
    for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
      assert.match(m[1], /\bsrc=/, `${p}: inline <script> ${m[0].slice(0, 120)}`);
    }
    assert.doesNotMatch(html, /\son(click|load|submit|error|change)\s*=/i, `${p}: inline event handler`);
  }
});

test('stylesheet is linked with a version and revalidates with ETag → 304', async () => {
  const c = new Client(server.url);
  const home = await c.get('/');
  const m = /<link\b[^>]*rel="stylesheet"[^>]*href="(\/static\/style\.css\?v=[^"]+)"|<link\b[^>]*href="(\/static\/style\.css\?v=[^"]+)"[^>]*rel="stylesheet"/.exec(home.text);
  assert.ok(m, 'no <link rel="stylesheet" href="/static/style.css?v=..."> on the home page');
  const href = (m[1] ?? m[2]).replace(/&amp;/g, '&');
  const r = await c.get(href);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') || '', /^text\/css/);
  assert.ok(r.text.length > 100, 'stylesheet is (nearly) empty');
  const etag = r.headers.get('etag');
  assert.ok(etag, 'no ETag on the stylesheet');
  const again = await c.get(href, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '', '304 must have no body');
  const unversioned = await c.get('/static/style.css', { headers: { 'If-None-Match': etag } });
  assert.equal(unversioned.status, 304, 'the ETag depends on the file, not on ?v=');
  const other = await c.get(href, { headers: { 'If-None-Match': '"not-the-etag"' } });
  assert.equal(other.status, 200);
  assert.equal(other.text, r.text);
});

test('a static file\'s ETag is found in an If-None-Match list and as a weak validator, as pages\' are', async () => {
  // A browser or proxy holding several versions sends them all; weak comparison is
  // the rule for If-None-Match (RFC 9110 13.1.2). One matcher (http/cache.c) serves
  // both the static files and the revalidated pages.
  const c = new Client(server.url);
  const first = await c.get('/static/style.css');
  const etag = first.headers.get('etag');
  assert.ok(etag, 'no ETag on the stylesheet');
  for (const inm of [`"older", ${etag}`, `W/${etag}`, `"older",W/${etag} `]) {
    const r = await c.get('/static/style.css', { headers: { 'If-None-Match': inm } });
    assert.equal(r.status, 304, `If-None-Match: ${inm}`);
    assert.equal(r.text, '');
  }
  const none = await c.get('/static/style.css', { headers: { 'If-None-Match': `"older", W/"${etag.slice(1, -2)}"` } });
  assert.equal(none.status, 200, 'a list without the ETag (one byte short) is no match');
});
