// admin-measure.mjs - `make bench` (bench/admin.sh): each path asked n times, one
// request at a time on one connection, as an administrator; prints a line per path
// with the p50 and p99 of the whole answer (headers and body read) in ms.
//   node bench/admin-measure.mjs BASE_URL TOKEN N < paths   (one "label<TAB>path" a line)
import { readFileSync } from 'node:fs';

const [base, token, n] = process.argv.slice(2);
const lines = readFileSync(0, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
const headers = { Cookie: `llmmeta_session=${token}` };
const pct = (s, p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];

for (const [label, path] of lines) {
  const times = [];
  let status = 0, bytes = 0;
  for (let i = 0; i < Number(n) + 1; i++) {
    const t = process.hrtime.bigint();
    const r = await fetch(base + path, { headers, redirect: 'manual' });
    const body = await r.text();
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    status = r.status;
    bytes = body.length;
    if (i > 0) times.push(ms); // the first warms the statement cache
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(28)} ${path.padEnd(44)} ${String(status)} ${String(bytes).padStart(7)} B  p50 ${pct(times, 50).toFixed(1).padStart(7)} ms  p99 ${pct(times, 99).toFixed(1).padStart(7)} ms`);
}
