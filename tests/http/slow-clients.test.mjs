// slow-clients.test.mjs - clients that never finish their request cannot take the
// server down: 2,000 connections that send half a request head and leave, and 500
// that send one byte a second, from 8 addresses, while a normal client keeps being
// served; a head that is not complete within 10 s is cut; when half the connection
// limit is waiting for heads, the oldest waiting connections are cut first; when the
// server itself is behind (its only worker busy), a connection whose whole head waits
// unread in its socket is not cut with the silent ones but answered once the worker
// is free. The latencies are reported (as diagnostics), not asserted: `make faults`
// and docs/benchmarks.md give the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, sleep, rawConnection, holdWriteLock } from '../lib/server.mjs';
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
    assert.equal(r.failed, 0, 'the normal client was refused or timed out');
    // Served throughout, not once: at least one answer every 1.4 s on average (a
    // free machine gives about 250), a floor a loaded machine still passes.
    assert.ok(r.ok >= 10, `${r.ok} answers in 14 s`);
    // Every dripping connection was cut once its head had taken 10 s (one sweep
    // later); waited for, not slept on, so that a slow client sees every close.
    for (const end = Date.now() + 15000; drippers.closedByServer() < 500 && Date.now() < end;) await sleep(100);
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
    // Cut as the second batch comes in (or at the next sweep, if the first was accepted
    // late); waited for, then one more sweep to see that no more go.
    for (const end = Date.now() + 5000; first.closedByServer() + second.closedByServer() < 30 && Date.now() < end;) await sleep(50);
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

test('the server behind: a head that waits unread gets more time, a silent or half-sent one is cut at 10 s', async (t) => {
  // One worker thread, made to wait on a database lock (POST /health/ writes a row,
  // on the worker itself): it cannot read anything meanwhile, while the guard's
  // sweeper (its own thread) goes on.
  const server = await startServer({ env: { THREADS: '1' } });
  let lock = null;
  const open = [];
  try {
    const opened = Date.now();
    const silent = net.connect({ port: server.port, host: '127.0.0.1' }); // sends nothing
    const silentConnected = new Promise((r) => silent.on('connect', r));
    const half = await hostile(server.port, 1, 'hold'); // half a head, read at once
    const behind = rawConnection(server.port, { timeout: 60000 });
    open.push(silent, half, behind);
    const silentClosed = new Promise((r) => { silent.on('error', () => {}); silent.on('close', () => r(Date.now())); });
    await Promise.all([silentConnected, behind.connected]);
    let behindEnd = null;
    behind.response.then((v) => { behindEnd = { at: Date.now(), status: v.status }; }, (e) => { behindEnd = { at: Date.now(), status: `closed (${e.message})` }; });

    await sleep(4000); // all three accepted long since, while the worker was free
    lock = await holdWriteLock(server, 'keepalive');
    const blocked = fetch(`${server.url}/health/`, { method: 'POST' }).then((x) => x.status);
    await sleep(1000);
    await behind.write('GET /about/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'); // whole, unread

    const silentAt = await Promise.race([silentClosed, sleep(20000).then(() => null)]);
    assert.ok(silentAt, 'the silent connection was not cut within 20 s');
    await sleep(600); // two more sweeps: the half head and the unread one have had their 10 s too
    const halfCut = half.sockets[0].closedAt;
    t.diagnostic(`silent cut after ${silentAt - opened} ms, half head after ${halfCut ? halfCut - opened : '-'} ms; unread head: ${JSON.stringify(behindEnd)}`);
    assert.ok(silentAt - opened >= 9500 && silentAt - opened < 13000, `the silent connection was cut after ${silentAt - opened} ms`);
    assert.ok(halfCut && halfCut - opened < 13000, 'the half-sent head was not cut by 13 s');
    assert.equal(behindEnd, null, 'the head waiting unread was cut (or answered while the worker was busy)');

    const released = Date.now();
    await lock.release();
    lock = null;
    const r = await behind.response;
    assert.equal(r.status, 200);
    assert.ok(behindEnd.at >= released);
    const health = await blocked;
    t.diagnostic(`unread head answered ${behindEnd.at - opened} ms after it connected; the blocked POST /health/ got ${health}`);
    assert.equal(health, 200, 'POST /health/ waited past the busy timeout: the lock was held too long for this test');
  } finally {
    await lock?.release();
    for (const c of open) (c.stop ?? c.destroy).call(c);
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
