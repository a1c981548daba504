// Hostile clients for the tests and the fault suite: connections that send half a
// request and leave, or stay and dribble one byte a second (slowloris), spread over
// several loopback addresses (127.0.0.2-.9) so that the per-address limit does not
// stop them; and a well-behaved client that measures how it is served meanwhile.
import net from 'node:net';

const HALF = 'GET / HTTP/1.1\r\nHost: x\r\n';
export const ADDRESSES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);

/**
 * Opens n connections that each send half a request head. mode 'close': then close
 * their side at once. mode 'hold': keep the connection open and silent. mode 'drip':
 * keep it open and send one more byte every second. Resolves when all have connected
 * (or failed); returns { sockets, closedByServer(), stop() }.
 */
export async function hostile(port, n, mode) {
  const sockets = [];
  let closedByServer = 0;
  const timers = [];
  await Promise.all(Array.from({ length: n }, (_, i) => new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', localAddress: ADDRESSES[i % ADDRESSES.length] });
    s.openedAt = Date.now();
    s.on('error', () => {});
    s.on('data', () => {}); // an answer (408/400) may come before the close
    s.on('close', () => { if (!s.weClosed) { closedByServer++; s.closedAt = Date.now(); } resolve(); });
    s.on('connect', () => {
      s.write(HALF);
      if (mode === 'close') { s.weClosed = true; s.end(); return; }
      if (mode === 'drip') timers.push(setInterval(() => { if (!s.destroyed) s.write('X'); }, 1000));
      resolve();
    });
    sockets.push(s);
  })));
  return {
    sockets,
    closedByServer: () => closedByServer,
    stop() { for (const t of timers) clearInterval(t); for (const s of sockets) { s.weClosed = true; s.destroy(); } },
  };
}

/** GETs `path` every `everyMs` for `ms`; returns { ok, failed, latencies, p50, p99, max }.
 * A request that takes `timeoutMs` counts as failed: 15 s by default, far above what a
 * loaded machine takes (the p99 is reported, not asserted), and below the 60 s a
 * client was kept out when slow heads held every slot. */
export async function wellBehaved(url, { ms = 5000, everyMs = 50, path = '/', timeoutMs = 15000 } = {}) {
  const latencies = [];
  let ok = 0, failed = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t = performance.now();
    try {
      const r = await fetch(url + path, { signal: AbortSignal.timeout(timeoutMs) });
      await r.arrayBuffer();
      if (r.status === 200) ok++; else failed++;
    } catch { failed++; }
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { ok, failed, latencies, p50: q(0.5), p99: q(0.99), max: sorted.at(-1) ?? NaN };
}
