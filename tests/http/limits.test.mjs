// limits.test.mjs - what one client may take from the server: bodies (large ones only
// for a logged-in user asking a question), connections per address, questions in
// flight per user, the question's length; and that a shutdown in the middle of an
// upload neither crashes nor loses what was acknowledged. Also: log lines cannot be
// forged through the path, and file names must be text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, getCsrf, errorTexts, dbQuery, sleep } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const MiB = 1024 * 1024;

test('large bodies are for logged-in users asking a question; anyone else gets 413 beyond 1 MiB', async () => {
  const fake = await startFakeProvider();
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo', MAX_CONTEXT_CHARS: String(3 * MiB) } });
  try {
    const big = 'a'.repeat(2 * MiB);
    const anon = await fetch(`${server.url}/accounts/login/`, { method: 'POST', body: `login=${big}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(anon.status, 413);
    const anonAsk = await fetch(`${server.url}/ask/`, { method: 'POST', body: `question=${big}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(anonAsk.status, 413, 'an anonymous post to /ask/ is small too');
    const { client } = await signedUpClient(server.url, 'big');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const r = await client.postMultipart('/ask/', { csrf_token, question: 'a big file', model: 'echo' },
      [{ name: 'file_upload', filename: 'big.txt', content: big }]);
    assert.equal(r.status, 303, 'a logged-in user may send a 2 MiB file with a question');
    assert.ok(fake.requests.at(-1).body.messages[0].content.length > 2 * MiB);
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('one address may hold at most MAX_CONNECTIONS_PER_IP connections', async () => {
  const server = await startServer({ env: { MAX_CONNECTIONS_PER_IP: '4' } });
  const sockets = [];
  try {
    for (let i = 0; i < 4; i++) {
      const s = net.connect(server.port, '127.0.0.1');
      await new Promise((r) => s.on('connect', r));
      s.write('GET /about/ HTTP/1.1\r\nHost: x\r\n'); // a slow client: headers never end
      sockets.push(s);
    }
    await sleep(200);
    const fifth = net.connect(server.port, '127.0.0.1');
    const closed = await new Promise((resolve) => {
      fifth.on('data', () => resolve(false));
      fifth.on('close', () => resolve(true));
      fifth.on('error', () => resolve(true));
      fifth.on('connect', () => fifth.write('GET /about/ HTTP/1.1\r\nHost: x\r\n\r\n'));
      setTimeout(() => resolve(false), 5000);
    });
    assert.ok(closed, 'the fifth connection is refused');
    for (const s of sockets) s.destroy();
    // Served again once the server has seen them go (waited for, up to 10 s).
    let again = 0;
    for (const end = Date.now() + 10000; again !== 200 && Date.now() < end;) {
      again = await fetch(`${server.url}/about/`).then((r) => r.status, () => 'refused');
      if (again !== 200) await sleep(100);
    }
    assert.equal(again, 200, 'served again once they are gone');
  } finally {
    for (const s of sockets) s.destroy();
    await server.stop();
  }
});

test('a user may have MAX_ASKS_PER_USER questions in flight; one more gets 429 and nothing is sent', async () => {
  const fake = await startFakeProvider();
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'slow-5000,echo', MAX_ASKS_PER_USER: '2' } });
  try {
    const { client } = await signedUpClient(server.url, 'busy');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const post = (q, model = 'slow-5000') => client.postMultipart('/ask/', { csrf_token, question: q, model });
    const sent = fake.requests.length;
    const slow = [post('one'), post('two')];
    await withProvider(fake, sent + 2); // both in flight, for 5 s
    const before = fake.requests.length;
    const third = await post('three', 'echo');
    assert.equal(third.status, 429);
    assert.equal(fake.requests.length, before);
    assert.ok((await Promise.all(slow)).every((r) => r.status === 303));
    assert.equal((await post('four', 'echo')).status, 303, 'a place is free again');
    const { client: other } = await signedUpClient(server.url, 'other');
    assert.equal((await other.get('/ask/')).status, 200);
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('a question longer than MAX_CONTEXT_CHARS is refused with its length and the limit', async () => {
  const fake = await startFakeProvider();
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo', MAX_CONTEXT_CHARS: '50' } });
  try {
    const { client } = await signedUpClient(server.url, 'long');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const r = await client.postMultipart('/ask/', { csrf_token, question: 'x'.repeat(60), model: 'echo' });
    assert.equal(r.status, 400);
    assert.match(errorTexts(r.text).join(' '), /60 characters long; the limit is 50/);
    assert.equal(fake.requests.length, 0);
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('a file name that is not UTF-8 is refused (400), and nothing is stored', async () => {
  const fake = await startFakeProvider();
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  try {
    const { client } = await signedUpClient(server.url, 'utf');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const boundary = 'XyZ123';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf_token}\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="question"\r\n\r\nq\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file_upload"; filename="`),
      Buffer.from([0xff, 0xfe]), Buffer.from(`.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--\r\n`),
    ]);
    const r = await client.request('POST', '/ask/', { headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
    assert.equal(r.status, 400);
    assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM uploads')[0].n, 0);
    assert.equal(fake.requests.length, 0);
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('a path cannot forge a line in the log', async () => {
  const server = await startServer();
  try {
    await fetch(`${server.url}/x%0a2026-01-01T00:00:00.000Z%20info%20POST%20/accounts/login/%20302%20admin%1b[31m`);
    await sleep(100);
    const lines = server.stderr().split('\n');
    assert.ok(!lines.some((l) => l.startsWith('2026-01-01T00:00:00.000Z')), 'no forged line');
    assert.ok(!server.stderr().includes('\x1b'), 'no escape sequence');
    assert.ok(lines.some((l) => l.includes('GET /x\\x0a2026-01-01')), 'the request is logged, escaped');
  } finally {
    await server.stop();
  }
});

test('SIGTERM in the middle of an upload: no crash, a clean exit, nothing left half-recorded', async () => {
  const fake = await startFakeProvider();
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo' } });
  const { client } = await signedUpClient(server.url, 'term');
  const csrf_token = getCsrf((await client.get('/ask/')).text);
  const boundary = 'TermBoundary42';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf_token}\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="question"\r\n\r\nsent during shutdown\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\necho\r\n--${boundary}--\r\n`;
  const sock = net.connect(server.port, '127.0.0.1');
  await new Promise((r) => sock.on('connect', r));
  let answer = '';
  sock.on('data', (d) => { answer += d; });
  sock.on('error', () => {});
  sock.write(`POST /ask/ HTTP/1.1\r\nHost: x\r\nCookie: ${client.cookieHeader()}\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${Buffer.byteLength(head)}\r\n\r\n`);
  sock.write(head.slice(0, 40)); // part of the body, then the server is told to stop
  await sleep(200);
  server.proc.kill('SIGTERM');
  await sleep(300);
  sock.write(head.slice(40));
  await new Promise((r) => { sock.on('close', r); setTimeout(r, 8000); });
  await server.stop({ cleanup: false }); // asserts exit status 0, no sanitizer report
  assert.match(answer, /^HTTP\/1\.1 (503|303)/, `an answer, not a dropped connection: ${answer.slice(0, 100)}`);
  const rows = dbQuery(server, "SELECT status FROM messages WHERE content = 'sent during shutdown'");
  assert.ok(rows.every((m) => m.status !== 'ok') || answer.startsWith('HTTP/1.1 303'), 'not left looking answered');
  server.db.cleanup();
  await fake.close();
});

test('a saved prompt is held to MAX_CONTEXT_CHARS; a login longer than any account stores nothing', async () => {
  const server = await startServer({ env: { LLM_MODELS: 'echo', MAX_CONTEXT_CHARS: '50' } });
  try {
    const { client } = await signedUpClient(server.url, 'keep');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const r = await client.postMultipart('/ask/', { csrf_token, question: 'y'.repeat(60), intent: 'save_prompt' });
    assert.equal(r.status, 400);
    assert.match(errorTexts(r.text).join(' '), /60 characters long; the limit is 50/);
    assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM saved_prompts')[0].n, 0);

    const anon = new (await import('../lib/client.mjs')).Client(server.url);
    const page = await anon.get('/accounts/login/');
    const before = dbQuery(server, 'SELECT count(*) AS n FROM login_failures')[0].n;
    const long = await anon.postForm('/accounts/login/', { csrf_token: getCsrf(page.text), login: 'z'.repeat(100000), password: 'whatever' });
    assert.equal(long.status, 400);
    assert.ok(!long.text.includes('zzzzzzzzzz'), 'not echoed back either');
    assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM login_failures')[0].n, before);
  } finally {
    await server.stop();
  }
});

test('a question refused before it is sent (429) leaves no empty conversation behind', async () => {
  const fake = await startFakeProvider();
  const server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'slow-5000,echo', MAX_ASKS_PER_USER: '1' } });
  try {
    const { client } = await signedUpClient(server.url, 'empty');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const sent = fake.requests.length;
    const slow = client.postMultipart('/ask/', { csrf_token, question: 'one', model: 'slow-5000' });
    await withProvider(fake, sent + 1); // in flight, for 5 s
    assert.equal((await client.postMultipart('/ask/', { csrf_token, question: 'two', model: 'echo' })).status, 429);
    assert.equal((await slow).status, 303);
    assert.deepEqual(dbQuery(server, 'SELECT title FROM conversations').map((c) => c.title), ['one']);
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('a request head of about 15 KiB is read; a larger one gets 431 and the server keeps serving', async () => {
  const server = await startServer();
  try {
    // The head is held in libmicrohttpd's 16 KiB connection pool (src/http/server.c).
    const head = (n) => fetch(`${server.url}/`, { headers: { 'x-filler': 'a'.repeat(n) } }).then((r) => r.status);
    assert.equal(await head(15000), 200);
    assert.equal(await head(16384), 431);
    assert.equal(await head(10), 200);
  } finally {
    await server.stop();
  }
});

/** Waits (up to 30 s) until the fake provider has had `n` requests: the questions
 * are in flight, however slow the machine, rather than after a fixed sleep. */
async function withProvider(fake, n) {
  for (const end = Date.now() + 30000; fake.requests.length < n && Date.now() < end;) await sleep(50);
  assert.ok(fake.requests.length >= n, `${fake.requests.length} of ${n} requests reached the provider`);
}
