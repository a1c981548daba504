// errors.test.mjs - errors answer in the caller's language: the OpenAI error shape
// {"error":{"message","type","param","code"}} under /v1/ and for clients that accept
// only JSON (including the 413 decided before the body is read), HTML for browsers;
// and an error page shows a logged-in visitor their own header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, rawRequest, rawHeader } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

function assertOpenAiError(r, status, code) {
  assert.equal(r.status, status, r.text.slice(0, 300));
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const body = JSON.parse(r.text);
  assert.deepEqual(Object.keys(body), ['error']);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0);
  assert.equal(typeof body.error.type, 'string');
  assert.equal(body.error.param, null);
  assert.equal(body.error.code, code);
  return body.error;
}

test('/v1/anything answers a JSON 404 whatever the Accept header says', async () => {
  const c = new Client(server.url);
  for (const accept of [undefined, 'text/html', '*/*']) {
    const r = await c.get('/v1/anything', { headers: accept ? { Accept: accept } : {} });
    const e = assertOpenAiError(r, 404, 'not_found');
    assert.equal(e.type, 'invalid_request_error');
  }
});

test('an oversized JSON POST gets a JSON 413, read or not', async () => {
  const c = new Client(server.url);
  const big = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(2 * 1024 * 1024) }] });
  // A /v1/ path that is not served: /v1/chat/completions would refuse a request without a key before its body (docs/api.md).
  const r = await c.request('POST', '/v1/no-such-endpoint', { headers: { 'Content-Type': 'application/json' }, body: big });
  assertOpenAiError(r, 413, 'request_too_large');
  // Refused before the body is sent: Expect: 100-continue.
  const head = `POST /v1/no-such-endpoint HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`;
  const raw = await rawRequest(server.port, head, Buffer.alloc(0));
  assert.equal(raw.status, 413);
  assert.match(rawHeader(raw.head, 'content-type'), /^application\/json/);
  assert.equal(JSON.parse(raw.body.toString()).error.code, 'request_too_large');
});

test('Accept: application/json gets JSON errors on the site too; a browser gets HTML', async () => {
  const c = new Client(server.url);
  const json = { Accept: 'application/json' };
  assertOpenAiError(await c.get('/no/such/page/', { headers: json }), 404, 'not_found');
  assertOpenAiError(await c.request('DELETE', '/about/', { headers: json }), 405, 'method_not_allowed');
  const e = assertOpenAiError(await c.get('/ask/', { headers: json }), 401, 'unauthorized');
  assert.equal(e.type, 'authentication_error');
  const html = await c.get('/no/such/page/', { headers: { Accept: 'text/html,application/xhtml+xml,application/json;q=0.9' } });
  assert.equal(html.status, 404);
  assert.match(html.headers.get('content-type'), /^text\/html/);
  const login = await c.get('/ask/', { headers: { Accept: 'text/html' } });
  assert.equal(login.status, 302);
});

test('a logged-in visitor sees their own header on a 404 and a 405', async () => {
  const { client, user } = await signedUpClient(server.url, 'lost');
  for (const [method, path, status] of [['GET', '/no/such/page/', 404], ['DELETE', '/about/', 405]]) {
    const r = await client.request(method, path);
    assert.equal(r.status, status);
    assert.ok(r.text.includes(`<span class="who">${user.username}</span>`), `${status} does not show the user`);
    assert.match(r.text, />Log out</);
    assert.doesNotMatch(r.text, />Log in</);
  }
  const anon = await new Client(server.url).get('/no/such/page/');
  assert.match(anon.text, />Log in</);
});
