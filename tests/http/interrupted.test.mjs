// interrupted.test.mjs - a kill -9 while answers are being written loses nothing that
// was acknowledged, and leaves no question that looks answered-to-be: after the
// restart every question that was in flight is 'interrupted', shown as such with the
// question back in the form, and the next question in such a conversation sends the
// model alternating roles (the interrupted question is left out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, getCsrf, sleep } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const ENV = { LLM_MODELS: 'echo,slow-30000', MAX_ASKS_PER_USER: '64' };

async function waitFor(what, cond, ms = 20000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

test('kill -9 with 40 answers in flight: acknowledged answers kept, the rest interrupted, roles alternate after', async () => {
  const fake = await startFakeProvider();
  const env = { ...ENV, LLM_API_URL: fake.url };
  const first = await startServer({ env });
  let second;
  try {
    const { client } = await signedUpClient(first.url, 'crash');
    const ask = async (path, question, model) => {
      const csrf_token = getCsrf((await client.get(path)).text);
      return client.postMultipart(path, { csrf_token, question, model });
    };
    const done = [];
    for (let i = 0; i < 5; i++) {
      const r = await ask('/ask/', `Acknowledged question ${i}`, 'echo');
      assert.equal(r.status, 303);
      done.push(/\/conversation\/([0-9a-f-]{36})\//.exec(r.location)[1]);
    }
    const sentBefore = fake.requests.length;
    const pending = [];
    for (let i = 0; i < 40; i++) {
      const path = i < 5 ? `/conversation/${done[i]}/` : '/ask/';
      pending.push(ask(path, `Slow question ${i}`, 'slow-30000').catch(() => 'killed'));
    }
    await waitFor('40 slow calls to reach the provider', () => fake.requests.length >= sentBefore + 40);

    first.proc.kill('SIGKILL');
    await first.exited;
    await Promise.all(pending);
    if (first.db.backend === 'sqlite') {
      assert.deepEqual(dbQuery(first, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
    }

    second = await startServer({ env, db: first.db });
    const rows = dbQuery(second, `SELECT m.role, m.content, m.status, m.error, m.instance_id FROM messages m ORDER BY m.id`);
    const answers = rows.filter((m) => m.role === 'assistant');
    assert.equal(answers.length, 5, 'an acknowledged answer was lost');
    assert.ok(answers.every((m) => m.status === 'ok'));
    const slow = rows.filter((m) => m.role === 'user' && m.content.startsWith('Slow question'));
    assert.equal(slow.length, 40);
    for (const m of slow) {
      assert.equal(m.status, 'interrupted', `${m.content}: ${m.status}`);
      assert.equal(m.error, 'The server stopped before the answer was complete.');
      assert.equal(m.instance_id, null);
    }

    // The page says so and offers the question again.
    client.base = second.url; // same browser, same session, the restarted server
    const page = await client.get(`/conversation/${done[0]}/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /This question was interrupted\. The server stopped before the answer was complete\./);
    assert.match(page.text, /<textarea[^>]*name="question"[^>]*>Slow question 0<\/textarea>/);

    // The next question there: user, assistant, user - never two user turns in a row.
    const r = await ask(`/conversation/${done[0]}/`, 'And now?', 'echo');
    assert.equal(r.status, 303, r.text.slice(0, 300));
    const roles = fake.requests.at(-1).body.messages.map((m) => m.role);
    assert.deepEqual(roles, ['user', 'assistant', 'user']);
    assert.deepEqual(fake.requests.at(-1).body.messages.map((m) => m.content)[2], 'And now?');
  } finally {
    await second?.stop();
    await fake.close();
  }
});
