// api-kill.test.mjs - an acknowledged call is never lost (docs/api.md, "Recording"):
// many calls, streamed and not, run at once; the moment the client has the first
// complete answers the server is killed with SIGKILL, then started again on the same
// database. Every call whose complete answer the client received - the whole JSON
// body, or a stream through its "data: [DONE]" - is on record with its answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, dbQuery, freshDatabase } from '../lib/server.mjs';
import { apiKeyHolder } from '../lib/scripted-provider.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

test('SIGKILL right after complete answers loses none of them', async () => {
  const fake = await startFakeProvider();
  const db = freshDatabase();
  const env = { LLM_API_URL: fake.url, LLM_MODELS: 'echo,chunky' };
  let server = await startServer({ env, db });
  try {
    const { key } = await apiKeyHolder(server, 'kill');
    const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 });
    const received = [];
    let killed = false;
    const kill = () => {
      if (!killed && received.length >= 4) {
        killed = true;
        server.proc.kill('SIGKILL'); // at once, in the tick the answer completed
      }
    };
    const calls = Array.from({ length: 24 }, async (_, i) => {
      const question = `kill test ${i}`;
      try {
        if (i % 2) {
          const r = await client.chat.completions.create({ model: i % 4 === 1 ? 'chunky' : 'echo', messages: [{ role: 'user', content: question }] });
          received.push({ question, answer: r.choices[0].message.content });
        } else {
          // The client library returns at "data: [DONE]"; a stream cut before it raises.
          let text = '';
          for await (const c of await client.chat.completions.create({ model: i % 4 === 0 ? 'chunky' : 'echo', stream: true, messages: [{ role: 'user', content: question }] })) {
            text += c.choices[0]?.delta?.content ?? '';
          }
          received.push({ question, answer: text });
        }
        kill();
      } catch { /* cut by the kill: not acknowledged */ }
    });
    await Promise.all(calls);
    assert.ok(killed, 'the server was killed');
    const { signal } = await server.exited;
    assert.equal(signal, 'SIGKILL');
    assert.ok(received.length >= 4);

    server = await startServer({ env, db });
    for (const { question, answer } of received) {
      const rows = dbQuery(server, `SELECT m.role, m.content, m.status FROM messages m WHERE m.conversation_id =
        (SELECT conversation_id FROM messages WHERE content = '${question}' AND role = 'user') ORDER BY m.id`);
      assert.deepEqual(rows.map((r) => [r.role, r.content, r.status]), [['user', question, 'ok'], ['assistant', answer, 'ok']], question);
    }
    // Nothing half-written: every recorded question has its answer, or - a call in
    // flight at the kill, on record from its start - is marked interrupted.
    const orphans = dbQuery(server, "SELECT count(*) AS n FROM messages q WHERE q.role = 'user' AND q.source = 'api' AND q.status <> 'interrupted' AND NOT EXISTS (SELECT 1 FROM messages a WHERE a.conversation_id = q.conversation_id AND a.role = 'assistant')");
    assert.equal(orphans[0].n, 0);
  } finally {
    await server.stop();
    await fake.close();
  }
});

test('an API call in flight at SIGKILL is on record from its start: interrupted after the restart', async () => {
  const fake = await startFakeProvider();
  const db = freshDatabase();
  const env = { LLM_API_URL: fake.url, LLM_MODELS: 'slow-30000' };
  let server = await startServer({ env, db });
  try {
    const { key } = await apiKeyHolder(server, 'inflight');
    const ctl = new AbortController();
    // A stream starts (200) with its first beat, while the model is still silent.
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST', signal: ctl.signal,
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'slow-30000', stream: true, messages: [{ role: 'user', content: 'in flight at the kill' }] }),
    });
    assert.equal(res.status, 200, 'the call started');
    assert.equal(fake.requests.length, 1, 'the provider has it');
    server.proc.kill('SIGKILL');
    await server.exited;
    ctl.abort();
    server = await startServer({ env, db });
    const rows = dbQuery(server, "SELECT role, status, source, error FROM messages WHERE content = 'in flight at the kill'");
    assert.equal(rows.length, 1, 'the question is on record');
    assert.equal(rows[0].role, 'user');
    assert.equal(rows[0].source, 'api');
    assert.equal(rows[0].status, 'interrupted');
  } finally {
    await server.stop();
    await fake.close();
  }
});
