// /health/: JSON shape for GET (read_operation) and POST (write_operation) on the current
// backend (SQLite, or PostgreSQL when TEST_DATABASE_URL_BASE is set).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, BACKEND } from '../lib/server.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function assertHealthy(r, activity) {
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type') || '', /^application\/json/);
  const j = JSON.parse(r.text);
  assert.deepEqual(Object.keys(j).sort(), ['database', 'message', 'status', 'timestamp']);
  assert.equal(j.status, 'healthy');
  assert.match(j.timestamp, ISO);
  assert.ok(Math.abs(Date.parse(j.timestamp) - Date.now()) < 60000, `timestamp ${j.timestamp} is not now`);
  assert.equal(typeof j.message, 'string');
  assert.ok(j.message.length > 0);
  const d = j.database;
  assert.equal(d.backend, BACKEND);
  assert.ok(Number.isInteger(d.total_conversations) && d.total_conversations >= 0, `total_conversations ${d.total_conversations}`);
  assert.ok(d.latest_conversation_date === null || ISO.test(d.latest_conversation_date), `latest ${d.latest_conversation_date}`);
  assert.equal(d.activity_type, activity);
  return j;
}

test('GET /health/ reads', async () => {
  const j = assertHealthy(await new Client(server.url).get('/health/'), 'read_operation');
  assert.equal(j.database.total_conversations, 0, 'a fresh database has no conversations');
  assert.equal(j.database.latest_conversation_date, null);
});

test('POST /health/ writes (no CSRF token needed) and leaves no trace', async () => {
  const c = new Client(server.url);
  for (let i = 0; i < 3; i++) {
    const j = assertHealthy(await c.request('POST', '/health/'), 'write_operation');
    assert.equal(j.database.total_conversations, 0, 'the keep-alive record must be deleted again');
  }
  assertHealthy(await c.get('/health/'), 'read_operation');
});

test('concurrent health checks all succeed', async () => {
  const c = new Client(server.url);
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? c.request('POST', '/health/') : c.get('/health/'))));
  rs.forEach((r, i) => assertHealthy(r, i % 2 ? 'write_operation' : 'read_operation'));
});
