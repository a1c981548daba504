// upload-memory.test.mjs - uploads cannot exhaust memory: one logged-in user sends
// 100 uploads of 29 MiB at once. The per-user limit of questions in flight is checked
// before a byte of a body is read (429 with Retry-After), and of each file only what
// an acceptable file could hold (4 bytes a character of MAX_CONTEXT_CHARS) is kept,
// so every upload is refused clearly (429, or 400 saying the text is too long) and
// the release binary's peak RSS stays far below the 2.9 GiB sent. The RSS bound is a
// memory budget, not a timing; the figures go to docs/benchmarks.md through make faults.
//
// How it is driven, and why: the client is raw sockets, in three steps - open the 100
// connections, write every request head, wait until the server has read all 100 heads
// (its requests-in-flight gauge on /metrics counts them), and only then write the
// bodies. One Node.js process writing 100 x 29 MiB through fetch on two busy cores
// may not get to some connections' heads for more than the 10 s a new connection has
// to send one, and the server rightly cuts those as slow clients; what the client
// can or cannot write in time is not what this test is about. Sent this way, all 100
// bodies arrive while all 100 requests are open, so the memory bound is measured
// under the whole load, however slow the machine. A connection that ends without a
// response is a failure: nothing is counted as refused unless the server said so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, dbQuery, getCsrf, headsThenBodies, headsRead, metricValue, REPO_ROOT } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';

const MiB = 1024 * 1024;
const N = 100;
const RELEASE = join(REPO_ROOT, 'build', 'llmmeta');
const TOKEN = 'upload-memory-metrics-token';
const peakRssMiB = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

test('100 parallel 29 MiB uploads: each refused clearly, peak RSS far below the bytes sent', { skip: !existsSync(RELEASE) && 'no release build' }, async (t) => {
  const server = await startServer({ bin: RELEASE, env: { LLM_MODELS: 'echo', METRICS_TOKEN: TOKEN } });
  try {
    const { client } = await signedUpClient(server.url, 'bulk');
    const csrf = getCsrf((await client.get('/ask/')).text);
    const b = 'bulkBoundary42';
    const body = Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf}\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="question"\r\n\r\nSummarise.\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="model"\r\n\r\necho\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="file_upload"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.alloc(29 * MiB, 'a,b\n'),
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    const head = `POST /ask/ HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nCookie: ${client.cookieHeader()}\r\n` +
      `Content-Type: multipart/form-data; boundary=${b}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const inFlight = await metricValue(server, 'llmmeta_http_requests_in_flight', TOKEN);
    const rssBefore = peakRssMiB(server.proc.pid);
    const t0 = Date.now();
    let headsMs;
    const answers = await headsThenBodies(server.port, N, head, body, { ready: async () => { headsMs = await headsRead(server, TOKEN, inFlight, N); } });
    const peak = peakRssMiB(server.proc.pid);
    const by = {};
    for (const r of answers) by[r.status] = (by[r.status] || 0) + 1;
    t.diagnostic(`all ${N} heads read ${headsMs} ms after they were written; answers ${JSON.stringify(by)} after ${Date.now() - t0} ms; peak RSS ${rssBefore.toFixed(1)} -> ${peak.toFixed(1)} MiB for ${N * 29} MiB sent`);
    const early = server.stderr().split('\n').filter((l) => /closed early|warn|error/.test(l));
    if (early.length) t.diagnostic(early.slice(0, 20).join('\n'));
    for (const r of answers) {
      const text = r.status === 'failed' ? r.text : r.body;
      if (r.status === 429) assert.match(text, /as many questions waiting/);
      else if (r.status === 400) assert.match(text, /longer than the limit of 200000 characters \(the file is 30408704 bytes\)/);
      else assert.fail(`an upload got ${r.status}: ${String(text).slice(0, 300)}`);
    }
    assert.equal(await metricValue(server, 'llmmeta_http_connections_cut_total', TOKEN), 0, 'the guard cut a connection');
    assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM uploads')[0].n, 0, 'a refused upload was stored');
    assert.ok(peak < 150, `peak RSS ${peak.toFixed(1)} MiB`);
  } finally {
    await server.stop();
  }
});
