// PostgreSQL only: /health/ answers 500 {"status":"error"} while the cluster is down and
// is healthy again after it restarts (the server reconnects by itself, without restart).
// Skipped unless TEST_DATABASE_URL_BASE is set. It stops and restarts the cluster in
// PG_CLUSTER_DIR (with scripts/pg-cluster.sh; run this file alone or with
// --test-concurrency=1, as other files use that cluster); without PG_CLUSTER_DIR it
// makes a private throwaway cluster instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, PG_BASE, sleep } from '../lib/server.mjs';
import { pgCluster } from '../lib/pg-cluster.mjs';

// The database's detail in /health/ is for the metrics token's bearer.
const TOKEN = 'outage-metrics-token-0123456789';

async function health(c, method = 'GET') {
  const r = await c.request(method, '/health/', { headers: { authorization: `Bearer ${TOKEN}` } });
  let j = null;
  try { j = JSON.parse(r.text); } catch { /* asserted by the caller */ }
  return { status: r.status, json: j, text: r.text };
}

test('health is 500 "error" while PostgreSQL is down and healthy after it restarts', { timeout: 180000 }, async (t) => {
  if (!PG_BASE) { t.skip('TEST_DATABASE_URL_BASE is not set'); return; }
  const cluster = await pgCluster();
  const port = cluster.port;
  let server;
  try {
    server = await startServer({ db: cluster.fresh('llmmeta_outage_'), env: { METRICS_TOKEN: TOKEN } });
    const c = new Client(server.url);
    let h = await health(c);
    assert.equal(h.status, 200, h.text);
    assert.equal(h.json.database.backend, 'postgres');

    cluster.stop();
    try {
      for (const method of ['GET', 'POST']) {
        h = await health(c, method);
        assert.equal(h.status, 500, `${method} with the database down: ${h.status} ${h.text}`);
        assert.ok(h.json, `not JSON: ${h.text}`);
        assert.equal(h.json.status, 'error');
        // Public page: no host, port or driver text, only that the database is unavailable.
        assert.equal(h.json.error, 'database unavailable');
        assert.ok(!h.text.includes('127.0.0.1') && !h.text.includes(String(port)) && !/connect|socket|server/i.test(h.text),
          `the health page leaks the connection details: ${h.text}`);
      }
      assert.match(server.stderr(), /health: postgres: /, 'the reason is not in the log');
      const page = await c.get('/about/');
      assert.ok(page.status < 600, 'the server still answers other pages');
      assert.equal(server.proc.exitCode, null, 'the server died while the database was down');
    } finally {
      cluster.start();
    }

    let ok = null;
    for (let i = 0; i < 60 && !ok; i++) {
      const g = await health(c);
      if (g.status === 200) ok = g; else await sleep(500);
    }
    assert.ok(ok, 'health did not recover within 30 s after the database came back');
    assert.equal(ok.json.status, 'healthy');
    const p = await health(c, 'POST');
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.database.activity_type, 'write_operation');
  } finally {
    try {
      await server?.stop();
    } finally {
      cluster.close();
    }
  }
});
