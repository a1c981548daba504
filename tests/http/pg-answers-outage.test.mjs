// PostgreSQL only: answers that arrive while the database is down are not thrown
// away. 20 questions wait on a model that answers only when the test releases it;
// the cluster is stopped, then the answers are released, so that they all arrive
// while it is down however long stopping it takes on a loaded machine; each answer waits in memory (the page is told "not saved yet") and
// is written once the database is back - all 20 recorded, llmmeta never restarted.
// Stops the cluster in PG_CLUSTER_DIR (run with --test-concurrency=1) or a private one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, getCsrf, PG_BASE, sleep } from '../lib/server.mjs';
import { pgCluster } from '../lib/pg-cluster.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

test('20 answers arriving during a 5 s database outage are all recorded once it is back', { timeout: 180000 }, async (t) => {
  if (!PG_BASE) { t.skip('TEST_DATABASE_URL_BASE is not set'); return; }
  const cluster = await pgCluster();
  const fake = await startFakeProvider();
  let server;
  try {
    server = await startServer({ db: cluster.fresh('llmmeta_answers_'), env: { LLM_API_URL: fake.url, LLM_MODELS: 'held' } });
    const { client } = await signedUpClient(server.url, 'outage');
    const csrf_token = getCsrf((await client.get('/ask/')).text);
    const sent = fake.requests.length;
    const asks = Array.from({ length: 20 }, (_, i) => client.request('POST', '/ask/', {
      headers: { Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf_token, question: `During the outage ${i}`, model: 'held' }).toString(),
    }).catch((e) => ({ status: 'failed', text: String(e) })));
    const deadline = Date.now() + 20000;
    while (fake.requests.length < sent + 20 && Date.now() < deadline) await sleep(50);
    assert.equal(fake.requests.length, sent + 20, 'the questions did not all reach the model');

    cluster.stop();
    let streams;
    try {
      fake.release(); // the answers come now, while it is down
      streams = await Promise.all(asks);
      await sleep(2000);
    } finally {
      cluster.start();
    }
    for (const s of streams) {
      assert.equal(s.status, 200, String(s.text).slice(0, 300));
      const last = JSON.parse(s.text.trim().split('\n').at(-1));
      assert.equal(last.type, 'done');
      assert.match(last.warning, /not saved yet/);
    }
    let rows = [];
    for (let i = 0; i < 60; i++) {
      rows = dbQuery(server, `SELECT q.status, (SELECT count(*) FROM messages a WHERE a.conversation_id = q.conversation_id AND a.role = 'assistant') AS answers FROM messages q WHERE q.role = 'user' AND q.content LIKE 'During the outage %'`);
      if (rows.length === 20 && rows.every((r) => r.answers === 1)) break;
      await sleep(500);
    }
    assert.equal(rows.length, 20);
    assert.ok(rows.every((r) => r.answers === 1 && r.status === 'ok'), JSON.stringify(rows));
    assert.equal(server.proc.exitCode, null, 'llmmeta stopped');
    // The recorder logs once the last of them is committed: the rows can be seen a
    // moment before the line is written, longer on a loaded machine.
    const logged = /answers that had waited for the database are recorded/;
    for (let i = 0; i < 100 && !logged.test(server.stderr()); i++) await sleep(100);
    assert.match(server.stderr(), logged);
  } finally {
    try {
      await server?.stop();
    } finally {
      await fake.close();
      cluster.close();
    }
  }
});
