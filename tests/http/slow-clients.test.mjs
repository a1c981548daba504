// slow-clients.test.mjs - clients that never finish their request cannot take the
// server down: 2,000 connections that send half a request head and leave, and 500
// that send one byte a second, from 8 addresses, while a normal client keeps being
// served; a head that is not complete within 10 s is cut; when half the connection
// limit is waiting for heads, the oldest waiting connections are cut first. The
// latencies are reported (as diagnostics), not asserted: `make faults` and
// docs/benchmarks.md give the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, sleep } from '../lib/server.mjs';
import { hostile, wellBehaved } from '../lib/hostile.mjs';

test('2,000 half requests that leave and 500 slowloris connections: a normal client is served throughout', async (t) => {
  const server = await startServer();
  try {
    // A browser's kept-alive connection: idle after its first answer, it is not cut
    // with the slow heads (it may wait 60 s for its next request).
    const keep = await keptAlive(server.port);
    assert.equal(await keep.get(), 200);
    const served = wellBehaved(server.url, { ms: 14000 });
    const leavers = await hostile(server.port, 2000, 'close');
    const drippers = await hostile(server.port, 500, 'drip');
    const r = await served;
    t.diagnostic(`normal client: ${r.ok} answered, ${r.failed} failed, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`);
    assert.equal(r.failed, 0, 'the normal client was refused or timed out (5 s)');
    assert.ok(r.ok > 50);
    // Every dripping connection was cut once its head had taken 10 s (one sweep later).
    await sleep(1000);
    const cut = drippers.closedByServer();
    const late = drippers.sockets.filter((s) => s.closedAt && s.closedAt - s.openedAt > 13000).length;
    drippers.stop();
    leavers.stop();
    assert.equal(await keep.get(), 200, 'the idle kept-alive connection was cut');
    assert.equal(keep.opened, 1, 'the kept-alive connection was not reused');
    keep.close();
    assert.equal(cut, 500, `${cut} of 500 slowloris connections were cut`);
    assert.equal(late, 0, `${late} slowloris connections lived more than 13 s`);
  } finally {
    await server.stop();
  }
});

test('when half the connection limit waits for request heads, the oldest waiting are cut first', async () => {
  const server = await startServer({ env: { MAX_CONNECTIONS: '100' } });
  try {
    const first = await hostile(server.port, 40, 'hold');
    await sleep(1200); // only connections that had a second to send their heads are cut
    const second = await hostile(server.port, 40, 'hold');
    await sleep(500);
    // 80 waiting, 50 allowed: 30 cut, all from the first (older) batch.
    assert.equal(first.closedByServer(), 30, `first batch: ${first.closedByServer()} cut`);
    assert.equal(second.closedByServer(), 0, `second batch: ${second.closedByServer()} cut`);
    const r = await wellBehaved(server.url, { ms: 1000 });
    assert.equal(r.failed, 0);
    assert.ok(r.ok > 5);
    first.stop();
    second.stop();
  } finally {
    await server.stop();
  }
});

/** One kept-alive connection: get() sends GET /about/ on it and resolves with the
 * status ('closed' if the server closed it, 'timeout' after 5 s). */
async function keptAlive(port) {
  const s = net.connect({ port, host: '127.0.0.1' });
  await new Promise((r) => s.on('connect', r));
  let data = '', waiter = null;
  const settle = (v) => { const w = waiter; waiter = null; w?.(v); };
  s.on('close', () => settle('closed'));
  s.on('error', () => {});
  s.on('data', (d) => {
    data += d.toString('latin1'); // one character a byte, as Content-Length counts
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = data.slice(0, end);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (data.length < end + 4 + length) return;
    data = data.slice(end + 4 + length);
    settle(Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]));
  });
  return {
    opened: 1,
    get() {
      return new Promise((r) => {
        const timer = setTimeout(() => settle('timeout'), 5000);
        waiter = (v) => { clearTimeout(timer); r(v); };
        s.write('GET /about/ HTTP/1.1\r\nHost: x\r\n\r\n');
      });
    },
    close() { s.destroy(); },
  };
}
