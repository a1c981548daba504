// /health/: JSON shape for GET (read_operation) and POST (write_operation) on the current
// backend (SQLite, or PostgreSQL when TEST_DATABASE_URL_BASE is set). The database's
// figures are for the METRICS_TOKEN bearer and administrators; anonymous visitors and
// other users get the status only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, createUser, Client, BACKEND } from '../lib/server.mjs';
import { login, newUser, signedUpClient } from '../lib/flows.mjs';

const TOKEN = 'health-metrics-token-0123456789';
let server;
before(async () => { server = await startServer({ env: { METRICS_TOKEN: TOKEN } }); });
after(async () => { await server?.stop(); });

/** A client that sends the metrics token with every request. */
class TokenClient extends Client {
  request(method, path, opts = {}) {
    return super.request(method, path, { ...opts, headers: { authorization: `Bearer ${TOKEN}`, ...(opts.headers || {}) } });
  }
}

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

/** Only the status: nothing about the data, not even which database. */
function assertStatusOnly(r, message) {
  assert.equal(r.status, 200, r.text);
  const j = JSON.parse(r.text);
  assert.deepEqual(Object.keys(j).sort(), ['message', 'status', 'timestamp'], r.text);
  assert.equal(j.status, 'healthy');
  assert.match(j.timestamp, ISO);
  assert.match(j.message, message);
}

test('GET /health/ reads', async () => {
  const j = assertHealthy(await new TokenClient(server.url).get('/health/'), 'read_operation');
  assert.equal(j.database.total_conversations, 0, 'a fresh database has no conversations');
  assert.equal(j.database.latest_conversation_date, null);
});

test('POST /health/ writes (no CSRF token needed) and leaves no trace', async () => {
  const c = new TokenClient(server.url);
  for (let i = 0; i < 3; i++) {
    const j = assertHealthy(await c.request('POST', '/health/'), 'write_operation');
    assert.equal(j.database.total_conversations, 0, 'the keep-alive record must be deleted again');
  }
  assertHealthy(await c.get('/health/'), 'read_operation');
});

test('concurrent health checks all succeed', async () => {
  const c = new TokenClient(server.url);
  const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? c.request('POST', '/health/') : c.get('/health/'))));
  rs.forEach((r, i) => assertHealthy(r, i % 2 ? 'write_operation' : 'read_operation'));
});

test('anonymous visitors, users and a wrong token get the status only; an administrator the detail', async () => {
  const anon = new Client(server.url);
  assertStatusOnly(await anon.get('/health/'), /read operations/);
  assertStatusOnly(await anon.request('POST', '/health/'), /read and write operations/);
  const wrong = new Client(server.url);
  assertStatusOnly(await wrong.request('GET', '/health/', { headers: { authorization: `Bearer ${TOKEN}x` } }), /read/);
  const { client: user } = await signedUpClient(server.url, 'healthuser');
  assertStatusOnly(await user.get('/health/'), /read/);
  const u = newUser('healthadmin');
  assert.equal((await createUser(server, { ...u, admin: true })).code, 0);
  const admin = new Client(server.url);
  assert.equal((await login(admin, u.username, u.password)).status, 302);
  assertHealthy(await admin.get('/health/'), 'read_operation');
});
