// api-stream-load.mjs - the API under many streams (docs/api.md, docs/benchmarks.md):
// N streaming /v1/chat/completions calls in flight at once against a provider that
// streams after DELAY ms (the fake provider, in its own process), while GET /health/
// is timed over and over. Prints how many streams completed (through data: [DONE])
// and how many calls are recorded, /health/ p50/p99 meanwhile, llmmeta's peak RSS and
// RSS per call in flight. Each call in flight holds two descriptors in llmmeta (the
// client's connection and the provider's): N is capped by the descriptor limit.
// Figures only: nothing here passes or fails.
//   node bench/api-stream-load.mjs [--n 10000] [--delay 2000]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const DELAY = arg('delay', 2000);
const bin = process.env.LLMMETA_BIN || path.join(root, 'build/llmmeta');
const fdLimit = Number(spawnSync('sh', ['-c', 'ulimit -n']).stdout.toString().trim()) || 1024;
// llmmeta's descriptors: two a call, and some to spare
const N = Math.min(arg('n', 10000), Math.floor((fdLimit - 200) / 2));
if (N < arg('n', 10000)) console.log(`(descriptor limit ${fdLimit}: ${N} calls in flight instead of ${arg('n', 10000)})`);
const model = `slow-${DELAY}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(port, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const get = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1] || 0);
  return { threads: get('Threads'), hwmKiB: get('VmHWM'), rssKiB: get('VmRSS') };
}
const listening = (proc, re) => new Promise((resolve, reject) => {
  let out = '';
  proc.stdout.on('data', (d) => { out += d; const m = out.match(re); if (m) resolve(m[1]); });
  proc.on('exit', (c) => reject(new Error(`exited with ${c}`)));
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmmeta-bench-api-'));
const fake = spawn(process.execPath, [path.join(root, 'tests/lib/fake-provider.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
const fakeUrl = await listening(fake, /fake provider on (\S+)/);
const env = {
  ...process.env, PORT: '0', DATABASE_URL: `sqlite://${dir}/bench.db`, SECRET_KEY: 'bench-secret-bench-secret-bench-secret!',
  DATA_DIR: dir, LLM_API_URL: fakeUrl, LLM_MODELS: model, LLM_FIRST_TOKEN_TIMEOUT: '120', LLM_CONNECT_TIMEOUT: '60',
  MAX_CONNECTIONS_PER_IP: '0', MAX_CONNECTIONS: String(N + 100), MAX_ASKS_PER_USER: String(N + 100),
};
spawnSync(bin, ['createuser', '--username', 'bench', '--email', 'bench@example.org', '--password-stdin'], { env, input: 'Bench-Marks-2026\n' });
const key = spawnSync(bin, ['apikey', '--username', 'bench', '--name', 'bench'], { env }).stdout.toString().trim();
const srv = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
// whatever happens to this script, the servers it started end with it
process.on('exit', () => { srv.kill('SIGKILL'); fake.kill('SIGKILL'); });
srv.stderr.resume();
const port = Number(await listening(srv, /listening on http:\/\/[^:]+:(\d+)\//));
const idle = procStatus(srv.pid);

let peak = idle;
const sampler = setInterval(() => {
  const s = procStatus(srv.pid);
  peak = { threads: Math.max(peak.threads, s.threads), hwmKiB: Math.max(peak.hwmKiB, s.hwmKiB), rssKiB: Math.max(peak.rssKiB, s.rssKiB) };
}, 50);

const t0 = performance.now();
let done = 0;
const calls = Array.from({ length: N }, (_, i) => request(port, 'POST', '/v1/chat/completions', {
  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: `Call ${i}: describe a tensile test.` }] }),
}).then((r) => { done++; return r; }, (e) => { done++; throw e; }));
for (const c of calls) c.catch(() => {}); // a failed call is counted below, not an unhandled rejection

const health = [];
let healthFailed = 0; // a check that got no answer (a connection cut): counted, not fatal
while (done < N && performance.now() - t0 < 300000) {
  const h0 = performance.now();
  try {
    await request(port, 'GET', '/health/');
    health.push(performance.now() - h0);
  } catch {
    healthFailed++;
  }
  await new Promise((r) => setTimeout(r, 10));
}
const results = await Promise.allSettled(calls);
const wall = performance.now() - t0;
clearInterval(sampler);
const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 200 && r.value.body.endsWith('data: [DONE]\n\n')).length;
const statuses = {};
for (const r of results) { const k = r.status === 'fulfilled' ? r.value.status : r.reason.code; statuses[k] = (statuses[k] || 0) + 1; }
const recorded = spawnSync('sqlite3', [`${dir}/bench.db`, "SELECT count(*) FROM messages WHERE role='assistant' AND source='api' AND status='ok'"]).stdout.toString().trim();

console.log(`streaming calls in flight:  ${N} (the provider streams after ${DELAY} ms)`);
console.log(`completed through [DONE]:   ${ok}/${N} (recorded: ${recorded}; statuses ${JSON.stringify(statuses)})`);
console.log(`wall time for all:          ${(wall / 1000).toFixed(2)} s`);
console.log(`GET /health/ meanwhile:     n=${health.length} p50=${pct(health, 50).toFixed(2)} ms p99=${pct(health, 99).toFixed(2)} ms max=${Math.max(...health).toFixed(2)} ms${healthFailed ? `; ${healthFailed} got no answer` : ''}`);
console.log(`llmmeta threads (peak):     ${peak.threads}`);
console.log(`llmmeta RSS idle / peak:    ${(idle.rssKiB / 1024).toFixed(1)} MiB / ${(peak.hwmKiB / 1024).toFixed(1)} MiB (${((peak.hwmKiB - idle.rssKiB) / N).toFixed(1)} KiB per call in flight)`);

srv.kill('SIGTERM');
await new Promise((r) => srv.on('exit', r));
fake.kill('SIGTERM');
agent.destroy();
fs.rmSync(dir, { recursive: true, force: true });
