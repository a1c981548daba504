// ask-load.mjs - the asking benchmark: N questions in flight at once against a
// provider that answers after DELAY ms, while GET /health/ is timed over and over.
// Prints whether all completed, the health latency meanwhile (p50/p99), llmmeta's
// threads and peak RSS. Figures only: nothing here passes or fails on speed.
//   node bench/ask-load.mjs [--n 1000] [--delay 2000]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeProvider } from '../tests/lib/fake-provider.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 1000);
const DELAY = arg('delay', 2000);
const bin = process.env.LLMMETA_BIN || path.join(root, 'build/llmmeta');
const model = `slow-${DELAY}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(port, method, p, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: p, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
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

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmmeta-bench-'));
const fake = await startFakeProvider();
const env = {
  ...process.env, PORT: '0', DATABASE_URL: `sqlite://${dir}/bench.db`, SECRET_KEY: 'bench-secret-bench-secret-bench-secret!',
  DATA_DIR: dir, LLM_API_URL: fake.url, LLM_MODELS: model, LLM_FIRST_TOKEN_TIMEOUT: '60',
  MAX_CONNECTIONS_PER_IP: '0', MAX_ASKS_PER_USER: '100000',
};
const pw = 'Bench-Marks-2026';
spawnSync(bin, ['createuser', '--username', 'bench', '--email', 'bench@example.org', '--password-stdin'], { env, input: pw + '\n' });
const srv = spawn(bin, ['serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
srv.stderr.resume();
const port = await new Promise((resolve, reject) => {
  srv.stdout.on('data', (d) => {
    const m = String(d).match(/listening on http:\/\/[^:]+:(\d+)\//);
    if (m) resolve(Number(m[1]));
  });
  srv.on('exit', (c) => reject(new Error(`llmmeta exited with ${c}`)));
});

// Log in once; every question uses that session.
const csrfOf = (html) => html.match(/name="csrf_token" value="([^"]+)"/)[1];
let page = await request(port, 'GET', '/accounts/login/');
let cookies = (page.headers['set-cookie'] || []).map((c) => c.split(';')[0]);
const form = (o) => new URLSearchParams(o).toString();
const login = await request(port, 'POST', '/accounts/login/', {
  headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
  body: form({ csrf_token: csrfOf(page.body), login: 'bench', password: pw }),
});
cookies = (login.headers['set-cookie'] || []).map((c) => c.split(';')[0]).filter((c) => c.startsWith('llmmeta_session='));
page = await request(port, 'GET', '/ask/', { headers: { cookie: cookies.join('; ') } });
const csrf = csrfOf(page.body);

let peak = procStatus(srv.pid);
const sampler = setInterval(() => {
  const s = procStatus(srv.pid);
  peak = { threads: Math.max(peak.threads, s.threads), hwmKiB: Math.max(peak.hwmKiB, s.hwmKiB), rssKiB: Math.max(peak.rssKiB, s.rssKiB) };
}, 50);

const t0 = performance.now();
let done = 0;
const asks = Array.from({ length: N }, (_, i) => request(port, 'POST', '/ask/', {
  headers: { cookie: cookies.join('; '), 'content-type': 'application/x-www-form-urlencoded' },
  body: form({ csrf_token: csrf, question: `Question ${i}: describe a tensile test.`, model }),
}).then((r) => { done++; return r; }));

// Time /health/ while the questions are in flight.
const health = [];
while (done < N && performance.now() - t0 < 120000) {
  const h0 = performance.now();
  await request(port, 'GET', '/health/');
  health.push(performance.now() - h0);
  await new Promise((r) => setTimeout(r, 10));
}
const results = await Promise.allSettled(asks);
const wall = performance.now() - t0;
clearInterval(sampler);
const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 303).length;
const answers = spawnSync('sqlite3', [`${dir}/bench.db`, "SELECT count(*) FROM messages WHERE role='assistant' AND status='ok'"]).stdout.toString().trim();

console.log(`questions in flight:        ${N} (provider answers after ${DELAY} ms)`);
console.log(`completed with an answer:   ${ok}/${N} (answers recorded: ${answers})`);
console.log(`wall time for all:          ${(wall / 1000).toFixed(2)} s`);
console.log(`GET /health/ meanwhile:     n=${health.length} p50=${pct(health, 50).toFixed(2)} ms p99=${pct(health, 99).toFixed(2)} ms max=${Math.max(...health).toFixed(2)} ms`);
console.log(`llmmeta threads (peak):     ${peak.threads}`);
console.log(`llmmeta peak RSS (VmHWM):   ${(peak.hwmKiB / 1024).toFixed(1)} MiB`);

srv.kill('SIGTERM');
await new Promise((r) => srv.on('exit', r));
await fake.close();
agent.destroy();
fs.rmSync(dir, { recursive: true, force: true });
