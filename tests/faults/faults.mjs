// faults.mjs - `make faults`: the faults llmmeta must survive, run against the release
// binary, each while a well-behaved client keeps asking for `/`; one table row each:
//   fault | sent | acknowledged | recorded | lost | served meanwhile | p99 (ms)
// "acknowledged" is what the server told a client it had done (an answer page, a
// stream's last line, a clear refusal); "recorded" is what the database holds for it
// afterwards; "lost" = acknowledged but not recorded, and must be 0. Ends with
// "N passed, N failed" (a row passes when nothing was lost and the normal client was
// never refused). --quick (make test) runs small sizes and skips the PostgreSQL row.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, dbQuery, getCsrf, freePort, sleep, REPO_ROOT, PSQL, uniq, headsThenBodies, headsRead, metricValue } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { hostile, wellBehaved } from '../lib/hostile.mjs';

const QUICK = process.argv.includes('--quick');
const BIN = process.env.LLMMETA_BIN || join(REPO_ROOT, 'build', 'llmmeta');
const rows = [];

/** Runs fn while a normal client asks for `/` (unless server is null); fn returns
 * { sent, acknowledged, recorded, error? }. */
async function row(name, server, fn) {
  let ctl = { stop: false };
  const served = (async () => {
    const all = { ok: 0, failed: 0, lat: [] };
    while (server && !ctl.stop) {
      const r = await wellBehaved(server.url, { ms: 500 });
      all.ok += r.ok;
      all.failed += r.failed;
      all.lat.push(...r.latencies);
    }
    return all;
  })();
  let result;
  try {
    result = await fn();
  } catch (e) {
    result = { sent: 0, acknowledged: 0, recorded: 0, error: String(e.stack || e) };
  }
  ctl.stop = true;
  const s = await served;
  const sorted = s.lat.sort((a, b) => a - b);
  const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] : NaN;
  const lost = Math.max(0, result.acknowledged - result.recorded);
  rows.push({ name, ...result, lost, served: server ? s.ok : '-', refused: s.failed, p99 });
}

const ask = async (client, path, fields, headers = {}) => {
  const csrf_token = getCsrf((await client.get(path)).text);
  return client.postMultipart(path, { csrf_token, ...fields }, [], { headers });
};
const count = (server, sql) => dbQuery(server, sql)[0].n;

async function providerFaults() {
  const fake = await startFakeProvider();
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-faults-'));
  const refused = await freePort(); // nothing listens there
  writeFileSync(join(dir, 'providers.ini'),
    `[fake]\ntype = openai\nurl = ${fake.url}\nmodels = cut, hang, rate-429, endless\n\n` +
    `[down]\ntype = openai\nurl = http://127.0.0.1:${refused}/v1\nmodels = refused\n`);
  const server = await startServer({ bin: BIN, env: { LLMMETA_PROVIDERS: join(dir, 'providers.ini'), LLM_FIRST_TOKEN_TIMEOUT: '2', MAX_ASKS_PER_USER: '100' } });
  try {
    const { client } = await signedUpClient(server.url, 'faults');
    const n = QUICK ? 3 : 20;
    for (const [name, model, want] of [
      ['provider refuses the connection', 'refused', /could not be reached/],
      ['provider resets the stream mid-answer', 'cut', /did not finish|stopped answering/],
      ['provider stalls past the first-token timeout', 'hang', /first-token timeout/],
      ['provider answers 429 with Retry-After', 'rate-429', /HTTP 429/],
      ['provider streams past the answer size cap', 'endless', /passed 8 MiB/],
    ]) {
      await row(name, server, async () => {
        const before = count(server, `SELECT count(*) AS n FROM messages WHERE role = 'user' AND status = 'error' AND model = '${model}'`);
        const answers = await Promise.all(Array.from({ length: n }, () => ask(client, '/ask/', { question: `Fault: ${name}`, model })));
        let acknowledged = 0;
        for (const a of answers) {
          if (a.status !== 303) continue;
          const page = await client.get(a.location);
          if (want.test(page.text)) acknowledged++;
        }
        const recorded = count(server, `SELECT count(*) AS n FROM messages WHERE role = 'user' AND status = 'error' AND model = '${model}'`) - before;
        return { sent: n, acknowledged, recorded };
      });
    }
  } finally {
    await server.stop({ cleanup: true });
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function halfOpen() {
  const server = await startServer({ bin: BIN });
  try {
    await row(`${QUICK ? 500 : 2000} half requests that leave, ${QUICK ? 100 : 500} slowloris`, server, async () => {
      const leavers = await hostile(server.port, QUICK ? 500 : 2000, 'close');
      const drippers = await hostile(server.port, QUICK ? 100 : 500, 'drip');
      if (QUICK) await sleep(3000);
      else for (const end = Date.now() + 25000; drippers.closedByServer() < 500 && Date.now() < end;) await sleep(100); // 10 s, at most 10 s more when the server is behind
      const cut = drippers.closedByServer();
      drippers.stop();
      leavers.stop();
      // Acknowledged here: slowloris connections the server had to cut (all, in full).
      const n = QUICK ? 100 : 500;
      return { sent: n, acknowledged: QUICK ? 0 : n, recorded: QUICK ? 0 : cut };
    });
  } finally {
    await server.stop();
  }
}

async function uploads() {
  const token = 'faults-uploads-metrics-token';
  const server = await startServer({ bin: BIN, env: { LLM_MODELS: 'echo', METRICS_TOKEN: token } });
  try {
    const n = QUICK ? 10 : 100;
    await row(`${n} parallel 29 MiB uploads`, server, async () => {
      const { client } = await signedUpClient(server.url, 'upload');
      const csrf = getCsrf((await client.get('/ask/')).text);
      const b = 'faultBoundary';
      const body = Buffer.concat([
        Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n${csrf}\r\n--${b}\r\nContent-Disposition: form-data; name="question"\r\n\r\nq\r\n` +
          `--${b}\r\nContent-Disposition: form-data; name="model"\r\n\r\necho\r\n--${b}\r\nContent-Disposition: form-data; name="file_upload"; filename="big.csv"\r\n\r\n`),
        Buffer.alloc(29 * 1024 * 1024, 'a,b\n'), Buffer.from(`\r\n--${b}--\r\n`)]);
      // Every head read before any body is sent (tests/http/upload-memory.test.mjs says why).
      const head = `POST /ask/ HTTP/1.1\r\nHost: x\r\nCookie: ${client.cookieHeader()}\r\n` +
        `Content-Type: multipart/form-data; boundary=${b}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
      const inFlight = await metricValue(server, 'llmmeta_http_requests_in_flight', token);
      const answers = await headsThenBodies(server.port, n, head, body, { ready: () => headsRead(server, token, inFlight, n) });
      // Each refused clearly (and nothing stored): a clear refusal is its record.
      const clear = answers.filter((a) => [400, 429, 503].includes(a.status)).length;
      const stored = count(server, 'SELECT count(*) AS n FROM uploads');
      const rss = /VmHWM:\s+(\d+)/.exec(execFileSync('cat', [`/proc/${server.proc.pid}/status`], { encoding: 'utf8' }))[1];
      rows.note = `uploads: peak RSS ${(rss / 1024).toFixed(0)} MiB`;
      return { sent: n, acknowledged: n, recorded: stored === 0 ? clear : 0 };
    });
  } finally {
    await server.stop();
  }
}

async function killNine() {
  const fake = await startFakeProvider();
  const env = { LLM_API_URL: fake.url, LLM_MODELS: 'echo,slow-30000', MAX_ASKS_PER_USER: '100' };
  const first = await startServer({ bin: BIN, env });
  let second;
  const n = QUICK ? 10 : 40;
  try {
    await row(`kill -9 with ${n} answers in flight`, null, async () => {
      const { client } = await signedUpClient(first.url, 'kill');
      let acknowledged = 0;
      for (let i = 0; i < 5; i++) if ((await ask(client, '/ask/', { question: `done ${i}`, model: 'echo' })).status === 303) acknowledged++;
      const sent = fake.requests.length;
      const pending = Array.from({ length: n }, (_, i) => ask(client, '/ask/', { question: `slow ${i}`, model: 'slow-30000' }).catch(() => null));
      for (let i = 0; i < 400 && fake.requests.length < sent + n; i++) await sleep(50); // 20 s: well within the 30 s answers
      first.proc.kill('SIGKILL');
      await first.exited;
      await Promise.all(pending);
      second = await startServer({ bin: BIN, env, db: first.db });
      const answers = count(second, `SELECT count(*) AS n FROM messages WHERE role = 'assistant' AND status = 'ok'`);
      const interrupted = count(second, `SELECT count(*) AS n FROM messages WHERE role = 'user' AND status = 'interrupted'`);
      rows.note2 = `kill -9: ${interrupted} of ${n} in flight marked interrupted`;
      return { sent: 5 + n, acknowledged, recorded: Math.min(answers, acknowledged),
        error: interrupted === n ? undefined : `${interrupted} of ${n} questions in flight marked interrupted` };
    });
  } finally {
    await second?.stop();
    await fake.close();
  }
}

async function pgOutage() {
  if (QUICK) return;
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-faults-pg-'));
  const port = await freePort();
  const cluster = (cmd) => execFileSync('bash', [join(REPO_ROOT, 'scripts', 'pg-cluster.sh'), cmd, dir, String(port)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  let base;
  try { base = cluster('start'); } catch (e) { rows.push({ name: 'database outage: cluster did not start', sent: 0, acknowledged: 1, recorded: 0, lost: 1, served: 0, refused: 0, p99: NaN }); return; }
  const fake = await startFakeProvider();
  const name = uniq('faults_');
  execFileSync(PSQL, [`${base}/postgres`, '-q', '-c', `CREATE DATABASE ${name}`]);
  const db = { url: `${base}/${name}`, backend: 'postgres', cleanup() {} };
  const server = await startServer({ bin: BIN, db, env: { LLM_API_URL: fake.url, LLM_MODELS: 'slow-3000' } });
  try {
    await row('database down 5 s while 20 answers arrive', server, async () => {
      const { client } = await signedUpClient(server.url, 'pg');
      const csrf_token = getCsrf((await client.get('/ask/')).text);
      const sent = fake.requests.length;
      const asks = Array.from({ length: 20 }, (_, i) => client.request('POST', '/ask/', {
        headers: { Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf_token, question: `outage ${i}`, model: 'slow-3000' }).toString() }).catch(() => null));
      for (let i = 0; i < 400 && fake.requests.length < sent + 20; i++) await sleep(50);
      cluster('stop');
      const streams = await Promise.all(asks);
      await sleep(2000);
      cluster('start');
      const acknowledged = streams.filter((s) => s && /"type":"done"/.test(s.text)).length;
      let recorded = 0;
      for (let i = 0; i < 60; i++) {
        recorded = count(server, `SELECT count(*) AS n FROM messages WHERE role = 'assistant'`);
        if (recorded >= acknowledged) break;
        await sleep(500);
      }
      return { sent: 20, acknowledged, recorded };
    });
  } finally {
    await server.stop({ cleanup: false });
    await fake.close();
    try { cluster('stop'); } catch { /* down */ }
    rmSync(dir, { recursive: true, force: true });
  }
}

if (!existsSync(BIN)) {
  console.log(`faults: ${BIN} not built`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const step of [providerFaults, halfOpen, uploads, killNine, pgOutage]) {
  try {
    await step();
  } catch (e) {
    rows.push({ name: `${step.name}: ${String(e.message || e).split('\n')[0]}`, sent: 0, acknowledged: 1, recorded: 0, lost: 1, served: 0, refused: 0, p99: NaN });
  }
}
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('fault', 52)} ${pad('sent', 5)} ${pad('acked', 6)} ${pad('recorded', 9)} ${pad('lost', 5)} ${pad('served meanwhile', 17)} p99 ms`);
let passed = 0, failed = 0;
for (const r of rows) {
  const ok = r.lost === 0 && r.refused === 0 && !r.error;
  ok ? passed++ : failed++;
  console.log(`${pad(r.name, 52)} ${pad(r.sent, 5)} ${pad(r.acknowledged, 6)} ${pad(r.recorded, 9)} ${pad(r.lost, 5)} ${pad(`${r.served}${r.refused ? ` (${r.refused} refused)` : ''}`, 17)} ${Number.isFinite(r.p99) ? r.p99.toFixed(1) : '-'}${r.error ? `\n  error: ${r.error.split('\n').slice(0, 3).join(' | ')}` : ''}`);
}
for (const note of [rows.note, rows.note2]) if (note) console.log(note);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
