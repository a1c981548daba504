// faults.mjs - `make faults`: the faults llmmeta must survive, run against the release
// binary, each while a well-behaved client keeps asking for `/`; one table row each:
//   fault | sent | min | acknowledged | recorded | lost | served meanwhile | p99 (ms)
// "acknowledged" is what the server told a client it had done (an answer page, a
// stream's last line, a clear refusal); "recorded" is what the database holds for it
// afterwards; "lost" = acknowledged but not recorded, and must be 0. "min" is the
// fewest acknowledgements the row must see: without it a server that acknowledged
// nothing would lose nothing and pass. A row passes when at least min were
// acknowledged, nothing was lost, no check of its own failed (error), and the normal
// client was served at least once and never refused. Ends with the rows skipped
// (name and reason), then "N passed, N failed, N skipped". --quick (make test) runs
// small sizes, each row with its own min, and skips the PostgreSQL row.
//
// Adding a row: inside a step (an async function in `steps` at the bottom),
//   await row({ name, server, min }, async () => ({ sent, acknowledged, recorded, error }));
// server is the one the normal client asks meanwhile (null: none, e.g. it is killed);
// error (a string) fails the row for what the numbers do not show. A row that cannot
// run here says so with skipRow(name, reason) rather than vanishing.
import { execFile, execFileSync } from 'node:child_process';
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
const skipped = [];
const skipRow = (name, reason) => skipped.push({ name, reason });

/** Runs fn while a normal client asks for `/` (unless server is null); fn returns
 * { sent, acknowledged, recorded, error? }; the row fails below min acknowledged. */
async function row({ name, server, min }, fn) {
  if (!Number.isInteger(min) || min < 1) throw new Error(`row "${name}": min must be a positive integer`);
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
  rows.push({ name, min, ...result, lost, served: server ? s.ok : '-', refused: s.failed, p99 });
}

/** A step that could not run its rows: one failed row naming it. */
function stepFailed(name, e) {
  rows.push({ name: `${name}: ${String(e?.message || e).split('\n')[0]}`.slice(0, 52), min: 1, sent: 0, acknowledged: 0,
    recorded: 0, lost: 0, served: '-', refused: 0, p99: NaN, error: String(e?.stack || e) });
}

/** Why row r failed, or '' when it passed. */
function verdict(r) {
  const why = [];
  if (!(r.acknowledged >= r.min)) why.push(`${r.acknowledged} acknowledged, fewer than the ${r.min} required`);
  if (r.lost !== 0) why.push(`${r.lost} lost`);
  if (r.refused) why.push(`the normal client was refused ${r.refused} times`);
  if (r.served === 0) why.push('the normal client was never served');
  if (r.error) why.push(r.error.split('\n').slice(0, 3).join(' | '));
  return why.join('; ');
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
      await row({ name, server, min: n }, async () => {
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
  const leave = QUICK ? 200 : 2000, n = QUICK ? 20 : 500;
  try {
    await row({ name: `${leave} half requests that leave, ${n} slowloris`, server, min: n }, async () => {
      const leavers = await hostile(server.port, leave, 'close');
      const drippers = await hostile(server.port, n, 'drip');
      // Each must be cut once its head has taken longer than the server allows
      // (HTTP_HEAD_TIMEOUT_S, 10 s) although it keeps dripping a byte a second; at
      // most HTTP_HEAD_GRACE_S (10 s) more when the server is behind reading it.
      const t0 = Date.now();
      while (Date.now() - t0 < 25000 && drippers.closedByServer() < n) await sleep(250);
      const cut = drippers.closedByServer();
      drippers.stop();
      leavers.stop();
      // Acknowledged: the slowloris connections the server cut; the cut is its own record.
      return { sent: n, acknowledged: cut, recorded: cut };
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
    await row({ name: `${n} parallel 29 MiB uploads`, server, min: n }, async () => {
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
      const statuses = {};
      for (const a of answers) statuses[a.status] = (statuses[a.status] || 0) + 1;
      rows.note = `uploads: peak RSS ${(rss / 1024).toFixed(0)} MiB; answers by status: ${
        Object.entries(statuses).map(([k, v]) => `${k === '0' ? 'none (connection closed)' : k} x${v}`).join(', ')}`;
      // Acknowledged: the clear refusals; recorded: the same, when nothing was stored.
      return { sent: n, acknowledged: clear, recorded: stored === 0 ? clear : 0 };
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
    await row({ name: `kill -9 with ${n} answers in flight`, server: null, min: 5 }, async () => {
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

// An API call in flight at kill -9 is on record from its start, so it is found
// 'interrupted' after the restart. Acknowledged = the call started (its stream's 200
// came, after the provider had the request); recorded = its question interrupted.
// The row requires all n started and all n interrupted: it cannot pass on nothing.
async function apiKillNine() {
  const { createUser, runCli } = await import('../lib/server.mjs');
  const fake = await startFakeProvider();
  const env = { LLM_API_URL: fake.url, LLM_MODELS: 'slow-30000', MAX_ASKS_PER_USER: '100' };
  const first = await startServer({ bin: BIN, env });
  let second;
  const n = QUICK ? 5 : 20;
  try {
    await row({ name: `kill -9 with ${n} API calls in flight`, server: null, min: n }, async () => {
      const username = uniq('apikill');
      await createUser(first, { username, email: `${username}@example.org`, password: 'a-long-password-42' });
      const key = (await runCli(['apikey', '--username', username, '--name', 'k'], { env: first.env })).stdout.trim();
      const ctl = new AbortController();
      const started = await Promise.all(Array.from({ length: n }, (_, i) => fetch(`${first.url}/v1/chat/completions`, {
        method: 'POST', signal: ctl.signal,
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ model: 'slow-30000', stream: true, messages: [{ role: 'user', content: `api in flight ${i}` }] }),
      }).then((r) => r.status === 200, () => false)));
      const acknowledged = started.filter(Boolean).length;
      first.proc.kill('SIGKILL');
      await first.exited;
      ctl.abort();
      second = await startServer({ bin: BIN, env, db: first.db });
      const interrupted = count(second, "SELECT count(*) AS n FROM messages WHERE role = 'user' AND source = 'api' AND status = 'interrupted' AND content LIKE 'api in flight %'");
      const errors = [];
      if (acknowledged < n) errors.push(`${acknowledged} of ${n} calls started`);
      if (interrupted < n) errors.push(`${interrupted} of ${n} calls in flight marked interrupted`);
      return { sent: n, acknowledged, recorded: Math.min(interrupted, acknowledged), error: errors.length ? errors.join('; ') : undefined };
    });
  } finally {
    await second?.stop();
    await fake.close();
  }
}

async function pgOutage() {
  if (QUICK) { skipRow('database down 5 s while 20 answers arrive', 'make faults only (not --quick)'); return; }
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-faults-pg-'));
  const port = await freePort();
  const cluster = (cmd) => execFileSync('bash', [join(REPO_ROOT, 'scripts', 'pg-cluster.sh'), cmd, dir, String(port)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  let base;
  try { base = cluster('start'); } catch (e) { stepFailed('database outage: the cluster did not start', e); return; }
  const fake = await startFakeProvider();
  const name = uniq('faults_');
  execFileSync(PSQL, [`${base}/postgres`, '-q', '-c', `CREATE DATABASE ${name}`]);
  const db = { url: `${base}/${name}`, backend: 'postgres', cleanup() {} };
  const server = await startServer({ bin: BIN, db, env: { LLM_API_URL: fake.url, LLM_MODELS: 'slow-3000' } });
  try {
    await row({ name: 'database down 5 s while 20 answers arrive', server, min: 20 }, async () => {
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

// 50 client addresses (TRUST_PROXY=1, X-Forwarded-For) guess passwords as fast as
// they are answered, each for names of its own (so that the per-account and
// per-address throttles do not stop them early), while GET /health/ is timed. The
// guesses must be answered (a wrong-password page, 429 or 503 with Retry-After);
// /health/'s latency meanwhile is reported, not asserted.
async function loginAttack() {
  const server = await startServer({ bin: BIN, env: { TRUST_PROXY: '1' } });
  const addresses = 50, ms = QUICK ? 3000 : 10000;
  try {
    await row({ name: `${addresses} addresses guessing passwords for ${ms / 1000} s`, server, min: addresses }, async () => {
      const { Client } = await import('../lib/client.mjs');
      // Timed from a process of its own: this one is busy being 50 attackers.
      const health = new Promise((resolve, reject) => execFile(process.execPath, ['--input-type=module', '-e',
        `import { wellBehaved } from ${JSON.stringify(join(REPO_ROOT, 'tests', 'lib', 'hostile.mjs'))};
         const h = await wellBehaved(${JSON.stringify(server.url)}, { ms: ${ms}, everyMs: 20, path: '/health/' });
         delete h.latencies; console.log(JSON.stringify(h));`], { encoding: 'utf8' },
      (e, out) => (e ? reject(e) : resolve(JSON.parse(out)))));
      const statuses = {};
      let sent = 0, answered = 0;
      const stopAt = Date.now() + ms;
      await Promise.all(Array.from({ length: addresses }, async (_, a) => {
        const headers = { 'X-Forwarded-For': `198.18.${a >> 8}.${(a & 255) + 1}` };
        const c = new Client(server.url);
        const csrf_token = getCsrf((await c.request('GET', '/accounts/login/', { headers })).text);
        for (let i = 0; Date.now() < stopAt; i++) {
          sent++;
          const r = await c.postForm('/accounts/login/', { csrf_token, login: `guess-${a}-${i}`, password: `Wrong-${i}-pass!` }, { headers }).catch(() => ({ status: 0, headers: new Headers() }));
          statuses[r.status] = (statuses[r.status] || 0) + 1;
          if (r.status === 400 || r.status === 429 || (r.status === 503 && r.headers.get('retry-after'))) answered++;
        }
      }));
      const h = await health;
      rows.note3 = `login attack: GET /health/ p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms, max ${h.max.toFixed(1)} ms (${h.ok} answered, ${h.failed} failed); guesses answered ${JSON.stringify(statuses)}`;
      const min = addresses; // at least one answered guess an address
      const error = answered < min ? `only ${answered} guesses answered (at least ${min} expected)`
        : answered < sent ? `${sent - answered} guesses not answered with 400, 429 or 503 + Retry-After: ${JSON.stringify(statuses)}`
        : h.failed ? `${h.failed} GET /health/ failed during the attack` : undefined;
      return { sent, acknowledged: answered, recorded: answered, error };
    });
  } finally {
    await server.stop();
  }
}

// 100 clients each POST a 1 MiB document to the JSON viewer and do not read the
// page (anonymous: refused 413 at the 256 KiB limit; logged in: shown within the
// viewer's budget, or 503). RSS is read before, at its peak (VmHWM, reset first)
// and after the clients have gone; every request must be answered, a logged-in
// one at least once with the page, and the growth must stay under 64 MiB.
async function jsonViewerFlood(anonymous) {
  const server = await startServer({ bin: BIN });
  const n = 100, MiB = 1024 * 1024;
  const status = () => execFileSync('cat', [`/proc/${server.proc.pid}/status`], { encoding: 'utf8' });
  const kib = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())[1]);
  try {
    await row({ name: `${n} ${anonymous ? 'anonymous' : 'logged-in'} 1 MiB JSON viewer posts, unread`, server, min: n }, async () => {
      const http = await import('node:http');
      const { Client, multipart } = await import('../lib/client.mjs');
      const client = anonymous ? new Client(server.url) : (await signedUpClient(server.url, 'jv')).client;
      const csrf_token = getCsrf((await client.get('/json-viewer/')).text);
      const rows_ = [];
      for (let i = 0, size = 2; size < MiB - 1000; i++) { // the body within 1 MiB, an anonymous visitor's limit before
        const r = JSON.stringify({ id: i, name: `item ${i}`, value: i * 0.5, tags: ['x', 'y'] });
        rows_.push(r);
        size += r.length + 1;
      }
      const { body, contentType } = multipart({ csrf_token, json_text: `[${rows_.join(',')}]` });
      if (body.length > MiB) throw new Error(`the body is ${body.length} bytes`);
      await sleep(500);
      const before = kib('VmRSS');
      execFileSync('sh', ['-c', `echo 5 > /proc/${server.proc.pid}/clear_refs`]);
      const statuses = {};
      const reqs = [];
      await Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: server.port, path: '/json-viewer/', method: 'POST', agent: false,
          headers: { 'Content-Type': contentType, 'Content-Length': body.length, Cookie: client.cookieHeader(), 'X-CSRF-Token': csrf_token } },
        (res) => { statuses[res.statusCode] = (statuses[res.statusCode] || 0) + 1; resolve(); }); // the body is never read
        req.on('error', () => { statuses.error = (statuses.error || 0) + 1; resolve(); });
        reqs.push(req);
        req.end(body);
      })));
      await sleep(1000);
      const peak = kib('VmHWM');
      for (const req of reqs) req.destroy();
      await sleep(2000);
      const after = kib('VmRSS');
      const answered = (statuses[200] || 0) + (statuses[413] || 0) + (statuses[503] || 0);
      const growth = (peak - before) / 1024;
      const note = `JSON viewer, ${anonymous ? 'anonymous' : 'logged in'}: RSS before ${(before / 1024).toFixed(0)} MiB, peak ${(peak / 1024).toFixed(0)} MiB (+${growth.toFixed(0)}), after ${(after / 1024).toFixed(0)} MiB; answers ${JSON.stringify(statuses)}`;
      rows[anonymous ? 'note4' : 'note5'] = note;
      const error = answered < n ? `${n - answered} of ${n} posts not answered with 200, 413 or 503`
        : !anonymous && !statuses[200] ? 'no logged-in post was shown'
        : anonymous && statuses[413] !== n ? 'anonymous 1 MiB posts not all refused 413'
        : growth >= 64 ? `RSS grew ${growth.toFixed(0)} MiB (64 allowed)` : undefined;
      return { sent: n, acknowledged: answered, recorded: answered, error };
    });
  } finally {
    await server.stop();
  }
}
const jsonViewerAnonymous = () => jsonViewerFlood(true);
const jsonViewerLoggedIn = () => jsonViewerFlood(false);

if (!existsSync(BIN)) {
  console.log(`faults: ${BIN} not built`);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}
const steps = [providerFaults, halfOpen, uploads, killNine, apiKillNine, pgOutage, loginAttack, jsonViewerAnonymous, jsonViewerLoggedIn];
for (const step of steps) {
  try {
    await step();
  } catch (e) {
    stepFailed(step.name, e);
  }
}
const pad = (s, n) => String(s).padEnd(n);
console.log(`${pad('fault', 52)} ${pad('sent', 5)} ${pad('min', 4)} ${pad('acked', 6)} ${pad('recorded', 9)} ${pad('lost', 5)} ${pad('served meanwhile', 17)} p99 ms`);
let passed = 0, failed = 0;
for (const r of rows) {
  const why = verdict(r);
  why ? failed++ : passed++;
  console.log(`${pad(r.name, 52)} ${pad(r.sent, 5)} ${pad(r.min, 4)} ${pad(r.acknowledged, 6)} ${pad(r.recorded, 9)} ${pad(r.lost, 5)} ${pad(`${r.served}${r.refused ? ` (${r.refused} refused)` : ''}`, 17)} ${Number.isFinite(r.p99) ? r.p99.toFixed(1) : '-'}${why ? `\n  FAILED: ${why}` : ''}`);
}
for (const note of [rows.note, rows.note2, rows.note3, rows.note4, rows.note5]) if (note) console.log(note);
for (const k of skipped) console.log(`skipped: ${k.name}: ${k.reason}`);
console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
process.exit(failed ? 1 : 0);
