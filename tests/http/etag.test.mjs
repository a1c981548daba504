// etag.test.mjs - conversation and history pages are revalidated, not re-sent: a 200
// carries an ETag and Cache-Control "private, no-cache"; the same If-None-Match (alone,
// weak, or in a list) answers 304 without a body; a new message or a new conversation
// changes the ETag; another session of the same user gets its own (the page holds the
// session's CSRF token). The provider is tests/lib/fake-provider.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, getCsrf } from '../lib/server.mjs';
import { signedUpClient, login } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, alice, convPath;

async function ask(client, path, question) {
  const page = await client.get(path);
  assert.equal(page.status, 200);
  const r = await client.postMultipart(path, { csrf_token: getCsrf(page.text), model: 'echo', question });
  assert.equal(r.status, 303, r.text.slice(0, 500));
  return new URL(r.location, server.url).pathname;
}

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  alice = await signedUpClient(server.url, 'alice');
  convPath = await ask(alice.client, '/ask/', 'First question');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

/** GET path; asserts the caching headers of a 200 and returns the response. */
async function fresh(client, path, ifNoneMatch) {
  const r = await client.get(path, ifNoneMatch ? { headers: { 'If-None-Match': ifNoneMatch } } : undefined);
  assert.equal(r.status, 200, `GET ${path}`);
  assert.match(r.headers.get('etag') ?? '', /^"[0-9a-f]{16}"$/);
  assert.equal(r.headers.get('cache-control'), 'private, no-cache');
  return r;
}

for (const which of ['conversation', 'history']) {
  test(`the ${which} page answers 304 to its own ETag, and 200 to any other`, async () => {
    const path = which === 'history' ? '/conversation/' : convPath;
    const first = await fresh(alice.client, path);
    const etag = first.headers.get('etag');
    // Unchanged: the same bytes, the same tag.
    assert.equal((await fresh(alice.client, path)).headers.get('etag'), etag);
    for (const inm of [etag, `W/${etag}`, `"0000000000000000", ${etag}`, '*']) {
      const r = await alice.client.get(path, { headers: { 'If-None-Match': inm } });
      assert.equal(r.status, 304, `If-None-Match: ${inm}`);
      assert.equal(r.text, '');
      assert.equal(r.headers.get('etag'), etag);
      assert.equal(r.headers.get('cache-control'), 'private, no-cache');
    }
    for (const inm of ['"0000000000000000"', etag.slice(0, -2) + '"', `"${etag}"`]) {
      const r = await fresh(alice.client, path, inm);
      assert.equal(r.text, first.text, `If-None-Match: ${inm}`);
    }
  });
}

test('a new message changes the conversation page\'s ETag', async () => {
  const before = (await fresh(alice.client, convPath)).headers.get('etag');
  assert.equal(await ask(alice.client, convPath, 'Second question'), convPath);
  const after = await fresh(alice.client, convPath, before);
  assert.notEqual(after.headers.get('etag'), before);
  assert.match(after.text, /Second question/);
});

test('a new conversation changes the history page\'s ETag', async () => {
  const before = (await fresh(alice.client, '/conversation/')).headers.get('etag');
  await ask(alice.client, '/ask/', 'Another conversation');
  const after = await fresh(alice.client, '/conversation/', before);
  assert.notEqual(after.headers.get('etag'), before);
  assert.match(after.text, /Another conversation/);
});

test('another session of the same user gets its own ETag', async () => {
  const other = new Client(server.url);
  assert.equal((await login(other, alice.user.username, alice.user.password)).status, 302);
  const mine = (await fresh(alice.client, convPath)).headers.get('etag');
  const theirs = await fresh(other, convPath, mine);
  assert.notEqual(theirs.headers.get('etag'), mine);
});

test('pages that are not revalidated keep no-store and get no ETag', async () => {
  const r = await alice.client.get('/ask/');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('etag'), null);
  assert.equal(r.headers.get('cache-control'), 'no-store');
});
