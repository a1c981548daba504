// upload-memory.test.mjs - uploads cannot exhaust memory: one logged-in user sends
// 100 uploads of 29 MiB at once. The per-user limit of questions in flight is checked
// before a byte of a body is read (429 with Retry-After), and of each file only what
// an acceptable file could hold (4 bytes a character of MAX_CONTEXT_CHARS) is kept,
// so every upload is refused clearly (429, or 400 saying the text is too long) and
// the release binary's peak RSS stays far below the 2.9 GiB sent. The RSS bound is a
// memory budget, not a timing; the figures go to docs/benchmarks.md through make faults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, dbQuery, getCsrf, REPO_ROOT } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';

const MiB = 1024 * 1024;
const RELEASE = join(REPO_ROOT, 'build', 'llmmeta');
const peakRssMiB = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

test('100 parallel 29 MiB uploads: each refused clearly, peak RSS far below the bytes sent', { skip: !existsSync(RELEASE) && 'no release build' }, async (t) => {
  const server = await startServer({ bin: RELEASE, env: { LLM_MODELS: 'echo' } });
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
    const rssBefore = peakRssMiB(server.proc.pid);
    const results = await Promise.all(Array.from({ length: 100 }, () => client.request('POST', '/ask/', {
      headers: { 'Content-Type': `multipart/form-data; boundary=${b}` }, body,
    }).catch((e) => ({ status: 'failed', text: String(e) + ' ' + String(e.cause) }))));
    const peak = peakRssMiB(server.proc.pid);
    for (const r of results) if (r.status === 'failed') t.diagnostic(r.text);
    t.diagnostic(server.stderr().split('\n').filter((l) => !/ 400 /.test(l)).slice(-15).join('\n'));
    const by = {};
    for (const r of results) by[r.status] = (by[r.status] || 0) + 1;
    t.diagnostic(`answers ${JSON.stringify(by)}; peak RSS ${rssBefore.toFixed(1)} -> ${peak.toFixed(1)} MiB for ${(100 * 29)} MiB sent`);
    const early = server.stderr().split('\n').filter((l) => /closed early|warn|error/.test(l));
    if (early.length) t.diagnostic(early.slice(0, 20).join('\n'));
    for (const r of results) {
      if (r.status === 429) assert.match(r.text, /as many questions waiting/);
      else if (r.status === 400) assert.match(r.text, /longer than the limit of 200000 characters \(the file is 30408704 bytes\)/);
      else assert.fail(`an upload got ${r.status}: ${String(r.text).slice(0, 300)}`);
    }
    assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM uploads')[0].n, 0, 'a refused upload was stored');
    assert.ok(peak < 150, `peak RSS ${peak.toFixed(1)} MiB`);
  } finally {
    await server.stop();
  }
});
