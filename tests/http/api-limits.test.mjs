// api-limits.test.mjs - what one API user may hold of the server while sending
// (docs/api.md, "Limits"): the body limit MAX_API_BODY_BYTES (last accepted, first
// refused), the user's share of the receiving budget and their in-flight places taken
// from the headers, a call waiting on a slow provider that holds no one else's room to
// send, and a key revoked while its body arrives.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import OpenAI from 'openai';
import { startServer, createUser, runCli, uniq, sleep, dbExec, headsRead, metricValue } from '../lib/server.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const BUDGET = 8388608; // MAX_RECEIVING_BYTES: a user's share is a quarter, 2097152
const CAP = 2000000; // MAX_API_BODY_BYTES, below the share
const TOKEN = 'api-limits-metrics-token';
let fake, server;

before(async () => {
  fake = await startFakeProvider({ models: ['echo', 'hang'] });
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,hang', MAX_ASKS_PER_USER: '4',
    MAX_RECEIVING_BYTES: String(BUDGET), MAX_API_BODY_BYTES: String(CAP), METRICS_TOKEN: TOKEN } });
});
after(async () => { await server?.stop(); await fake?.close(); });

async function keyHolder(prefix) {
  const username = uniq(prefix);
  assert.equal((await createUser(server, { username, email: `${username}@example.org`, password: 'a-long-password-42' })).code, 0);
  const r = await runCli(['apikey', '--username', username, '--name', 't'], { env: server.env });
  assert.equal(r.code, 0, r.stderr);
  return { username, key: r.stdout.trim() };
}

/** Requests in flight (their heads read), the /metrics request itself included. */
const inFlight = () => metricValue(server, 'llmmeta_http_requests_in_flight', TOKEN);

/** Waits (up to 30 s) until as many requests are in flight as `n` plus the one reading it. */
async function inFlightIs(n) {
  let now;
  for (const end = Date.now() + 30000; (now = await inFlight()) !== n + 1 && Date.now() < end;) await sleep(50);
  assert.equal(now - 1, n, 'requests in flight');
}

const api = (key) => new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });

/** A chat request padded so that its JSON is exactly n bytes. */
function padded(n, extra = {}) {
  const p = { model: 'echo', messages: [{ role: 'user', content: 'hi' }], ...extra, pad: '' };
  p.pad = 'a'.repeat(n - Buffer.byteLength(JSON.stringify(p)));
  assert.equal(Buffer.byteLength(JSON.stringify(p)), n);
  return p;
}

/** A POST whose headers and first bytes are sent, the rest held back: { res, finish, abort }. */
function partialPost(key, total, first = 'x') {
  const req = http.request(`${server.url}/v1/chat/completions`, { method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': total } });
  const res = new Promise((resolve) => {
    req.on('response', (r) => { let t = ''; r.on('data', (d) => { t += d; }); r.on('end', () => resolve({ status: r.statusCode, text: t })); });
    req.on('error', () => resolve({ status: 0, text: '' }));
  });
  if (first) req.write(first); else req.flushHeaders();
  return { res, req, finish: (rest) => req.end(rest), abort: () => req.destroy() };
}

async function rawPost(key, body, headers = {}) {
  const r = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body });
  return { status: r.status, text: await r.text() };
}

test('an API body of MAX_API_BODY_BYTES is taken, one byte more is refused with 413', async () => {
  const u = await keyHolder('cap');
  const ok = await api(u.key).chat.completions.create(padded(CAP));
  assert.equal(ok.choices[0].message.content, 'Answer to: hi');
  await assert.rejects(api(u.key).chat.completions.create(padded(CAP + 1)), (e) => e.status === 413);
});

test('/v1/responses: the same body limit (MAX_API_BODY_BYTES, one more byte 413) and MAX_ASKS_PER_USER (the fifth call 429)', async () => {
  const u = await keyHolder('resp');
  // The input is held to MAX_CONTEXT_CHARS: the body is padded with JSON's own whitespace.
  const post = (n) => {
    const json = JSON.stringify({ model: 'echo', input: 'hi' });
    return fetch(`${server.url}/v1/responses`, { method: 'POST',
      headers: { authorization: `Bearer ${u.key}`, 'content-type': 'application/json' }, body: json + ' '.repeat(n - json.length) });
  };
  const ok = await post(CAP);
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).status, 'completed');
  assert.equal((await post(CAP + 1)).status, 413);
  const before = fake.requests.length;
  const ctl = new AbortController();
  const calls = [];
  for (let i = 0; i < 4; i++) {
    calls.push(api(u.key).responses.create({ model: 'hang', input: `wait ${i}`, stream: true }, { signal: ctl.signal }).catch(() => null));
    for (let t = 0; t < 600 && fake.requests.length < before + i + 1; t++) await sleep(50);
  }
  const e = await api(u.key).responses.create({ model: 'echo', input: 'fifth' }).catch((err) => err);
  assert.equal(e.status, 429, 'MAX_ASKS_PER_USER=4 calls in flight: the fifth is refused');
  ctl.abort();
  await Promise.all(calls);
});

test("one user's big calls waiting on a slow model leave room for everyone else's POSTs", async () => {
  const u = await keyHolder('big');
  const before = fake.requests.length;
  const ctl = new AbortController();
  // Four calls of ~2 MB each (one at a time, as the share allows), all waiting on a
  // model that never answers: 8 MB of the 8 MiB budget if their bodies stayed counted.
  const calls = [];
  for (let i = 0; i < 4; i++) {
    calls.push(api(u.key).chat.completions.create(padded(CAP - 100, { model: 'hang', stream: true }), { signal: ctl.signal }).catch(() => null));
    for (let t = 0; t < 600 && fake.requests.length < before + i + 1; t++) await sleep(50);
  }
  assert.equal(fake.requests.length, before + 4, 'the four calls reached the provider');
  // 900 kB (anonymous posts may send 1 MiB): 503 if the calls' bodies held the budget
  const other = await fetch(`${server.url}/accounts/login/`, { method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'login=a&password=' + 'b'.repeat(900000) });
  assert.notEqual(other.status, 503, 'another POST is not refused for want of room');
  ctl.abort();
  await Promise.all(calls);
});

test("a user's bodies being sent may hold a quarter of the budget; places are taken from the headers", async () => {
  const u = await keyHolder('share');
  const v = await keyHolder('other');
  const base = 0;
  await inFlightIs(base); // the calls the test before aborted have ended on the server too
  const a = partialPost(u.key, 1500000);
  await headsRead(server, TOKEN, base + 1, 1); // a's head is read: its place and bytes are taken
  // 2.5 MB with the first: past the share of 2097152 (refused from its headers, the
  // body drained)
  const rb = await rawPost(u.key, JSON.stringify(padded(1000000)));
  assert.equal(rb.status, 429);
  assert.match(rb.text, /MAX_RECEIVING_BYTES/);
  // Another user is not held by it.
  const ok = await api(v.key).chat.completions.create(padded(1500000));
  assert.equal(ok.choices[0].message.content, 'Answer to: hi');
  // Places: with a's, three more small uploads in flight fill MAX_ASKS_PER_USER=4 ...
  const c = partialPost(u.key, 100), d = partialPost(u.key, 100), f = partialPost(u.key, 100);
  await headsRead(server, TOKEN, base + 1, 4);
  const e = await api(u.key).chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }).catch((err) => err);
  assert.equal(e.status, 429, 'the fourth is refused before its body');
  // ... and an upload that ends without a call gives its place and bytes back.
  a.abort(); c.abort(); d.abort(); f.abort();
  await inFlightIs(base); // the server has seen them go
  const again = await api(u.key).chat.completions.create(padded(2000000));
  assert.equal(again.choices[0].message.content, 'Answer to: hi');
});

test('a key revoked while its body arrives starts no call: 401', async () => {
  const u = await keyHolder('revoke');
  const body = JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'revoked-mid-upload' }] });
  const base = 0;
  await inFlightIs(base);
  const p = partialPost(u.key, Buffer.byteLength(body), body.slice(0, 10));
  await headsRead(server, TOKEN, base + 1, 1); // the request has begun before its key goes
  dbExec(server, `UPDATE api_keys SET revoked_at = 1 WHERE user_id = (SELECT id FROM users WHERE username = '${u.username}')`);
  p.finish(body.slice(10));
  const r = await p.res;
  assert.equal(r.status, 401, r.text);
  assert.match(r.text, /invalid_api_key/);
  assert.ok(!fake.requests.some((q) => JSON.stringify(q.body).includes('revoked-mid-upload')), 'nothing reached the provider');
});
