// request-framing.test.mjs - a request whose body length two parties could read two
// ways (RFC 9112 section 6.3) is refused: two Content-Length headers, Content-Length
// with Transfer-Encoding, a Content-Length that is not one number. The answer is 400
// and the connection is closed, so the bytes another reading would take for a second
// request are never run as one ("request smuggling" through a proxy that reads the
// length the other way). A control shows that a second request pipelined after an
// unambiguous one does run and is logged, so the checks below can fail.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, uniq, sleep, waitForLog } from '../lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

/** Writes bytes on one connection and reads until the server closes it (or 5 s pass):
 * the status of every response on it, and whether the server closed it. */
function exchange(bytes) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(server.port, '127.0.0.1');
    let data = '';
    let closed = false;
    const timer = setTimeout(() => { sock.destroy(); done(); }, 5000);
    const done = () => {
      clearTimeout(timer);
      resolve({ statuses: [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1])), closed, text: data });
    };
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('end', () => { closed = true; sock.destroy(); done(); });
    sock.on('error', (e) => (e.code === 'ECONNRESET' ? (closed = true, done()) : reject(e)));
    sock.on('connect', () => sock.write(bytes));
  });
}

/** The smuggled request: a GET of a unique path, which the access log would show. */
function smuggled(tag) {
  const path = `/smuggled-${tag}-${uniq('p')}/`;
  return { path, request: `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n` };
}

async function assertNotRun(path) {
  await sleep(300); // the log line is written when a request completes
  assert.ok(!server.stderr().includes(path), `the smuggled request ${path} ran:\n${server.stderr().split('\n').filter((l) => l.includes('smuggled')).join('\n')}`);
}

test('control: a request pipelined after an unambiguous one runs, and is logged', async () => {
  const { path, request } = smuggled('control');
  const r = await exchange(`POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n${request}`);
  assert.equal(r.statuses.length, 2, r.text.slice(0, 500));
  const re = new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  assert.ok(await waitForLog(server, re), 'the access log does not show pipelined requests: the tests below prove nothing');
});

test('two Content-Length headers: 400, the connection closed, the rest of the body not run', async () => {
  for (const [first, second] of [['0', 'LEN'], ['LEN', '0'], ['LEN', 'LEN']]) {
    const { path, request } = smuggled('two-cl');
    const len = (v) => (v === 'LEN' ? String(request.length) : v);
    const r = await exchange(`POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: ${len(first)}\r\n` +
      `Content-Length: ${len(second)}\r\n\r\n${request}`);
    assert.deepEqual(r.statuses, [400], `Content-Length ${first} then ${second}: statuses ${r.statuses}`);
    assert.ok(r.closed, `Content-Length ${first} then ${second}: the connection stays open`);
    assert.match(r.text, /\r\nConnection: close\r\n/i);
    await assertNotRun(path);
  }
});

test('Content-Length with Transfer-Encoding: chunked: 400, closed, nothing smuggled', async () => {
  for (const order of ['cl-first', 'te-first']) {
    const { path, request } = smuggled(`cl-te-${order}`);
    const body = `0\r\n\r\n${request}`;
    const cl = `Content-Length: ${body.length}\r\n`, te = 'Transfer-Encoding: chunked\r\n';
    const r = await exchange(`POST /accounts/login/ HTTP/1.1\r\nHost: x\r\n${order === 'cl-first' ? cl + te : te + cl}\r\n${body}`);
    assert.deepEqual(r.statuses, [400], `${order}: statuses ${r.statuses}`);
    assert.ok(r.closed, `${order}: the connection stays open`);
    await assertNotRun(path);
  }
});

// libmicrohttpd answers this one itself, before the application sees it (and writes
// its status line twice in the one answer): what counts is 400 only, and closed.
test('a Content-Length that is a list is refused too', async () => {
  const { path, request } = smuggled('cl-list');
  const r = await exchange(`POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: 0, ${request.length}\r\n\r\n${request}`);
  assert.ok(r.statuses.length >= 1 && r.statuses.every((s) => s === 400), `statuses ${r.statuses}`);
  assert.ok(r.closed);
  await assertNotRun(path);
});

test('one Transfer-Encoding: chunked alone, or one Content-Length alone, is not refused', async () => {
  const chunked = await exchange('POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\na=b\r\n0\r\n\r\n');
  assert.equal(chunked.statuses.length, 1);
  assert.notEqual(chunked.statuses[0], 400, 'a chunked body is a valid framing');
  const plain = await exchange('POST /accounts/login/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=b');
  assert.equal(plain.statuses.length, 1);
  assert.notEqual(plain.statuses[0], 400);
});

test('the server still answers afterwards', async () => {
  const r = await exchange('GET /health/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.deepEqual(r.statuses, [200]);
});
