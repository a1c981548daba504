// api-anthropic.test.mjs - /v1/chat/completions in front of an Anthropic provider
// (docs/api.md, docs/api-anthropic.md): the official `openai` client, unchanged,
// gets OpenAI's shapes back - whole answers, streamed chunks ending in [DONE], tool
// calls and their results, usage - translated from the fake provider's Anthropic
// route; what cannot be mapped is a 400 naming the field; failures raise the
// client's errors; and each call is recorded with OpenAI's words.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, dbQuery, createUser, runCli, uniq } from '../lib/server.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake, server, client, username;

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_API_TYPE: 'anthropic', LLM_API_KEY: 'sk-ant-provider-secret-99',
    LLM_MODELS: 'echo,fail-500,fail-400,overloaded-stream' } });
  username = uniq('ann');
  await createUser(server, { username, email: `${username}@example.org`, password: 'a-long-password-42' });
  const r = await runCli(['apikey', '--username', username, '--name', 'test'], { env: server.env });
  client = new OpenAI({ apiKey: r.stdout.trim(), baseURL: `${server.url}/v1`, maxRetries: 0 });
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

const lastRequest = () => fake.requests[fake.requests.length - 1];
function lastCall() {
  const [c] = dbQuery(server, `SELECT c.* FROM conversations c JOIN users u ON u.id = c.user_id WHERE u.username = '${username}' ORDER BY c.updated_at DESC, c.id DESC LIMIT 1`);
  return dbQuery(server, `SELECT * FROM messages WHERE conversation_id = ${c.id} ORDER BY id`);
}

test('models.retrieve answers from the configuration, asking the Anthropic provider nothing', async () => {
  const n = fake.requests.length;
  const m = await client.models.retrieve('echo');
  assert.deepEqual([m.id, m.object], ['echo', 'model']);
  await assert.rejects(client.models.retrieve('claude-none'), (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found');
  assert.equal(fake.requests.length, n);
});

test('a whole answer in OpenAI\'s shape, recorded with the model as reported and OpenAI\'s finish reason', async () => {
  const r = await client.chat.completions.create({ model: 'echo', max_tokens: 50, temperature: 0.5,
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello Claude' }] });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.model, 'echo');
  assert.equal(r.choices[0].message.content, 'Answer to: Hello Claude');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(r.usage.completion_tokens, 4);
  const sent = lastRequest();
  assert.equal(sent.url, '/v1/messages');
  assert.equal(sent.body.system, 'Be brief.');
  assert.equal(sent.body.max_tokens, 50);
  assert.equal(sent.headers['x-api-key'], 'sk-ant-provider-secret-99');
  const [q, a] = lastCall();
  assert.equal(q.content, 'Hello Claude');
  assert.equal(JSON.parse(q.request_json).messages[0].role, 'system');
  assert.equal(a.content, 'Answer to: Hello Claude');
  assert.equal(a.model_reported, 'echo-2026');
  assert.equal(a.finish_reason, 'stop');
  assert.equal(a.completion_tokens, 4);
  assert.equal(a.prompt_tokens, r.usage.prompt_tokens);
  assert.equal(a.source, 'api');
});

test('a stream of chat.completion.chunks ending in [DONE], usage when asked', async () => {
  const stream = await client.chat.completions.create({ model: 'echo', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'Stream from Anthropic please' }] });
  let text = '', usage = null, finish = null;
  for await (const c of stream) {
    assert.equal(c.model, 'echo');
    text += c.choices[0]?.delta?.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
    usage = c.usage ?? usage;
  }
  assert.equal(text, 'Answer to: Stream from Anthropic please');
  assert.equal(finish, 'stop');
  assert.equal(usage.completion_tokens, 6);
  const [, a] = lastCall();
  assert.equal(a.content, text);
  assert.equal(a.finish_reason, 'stop');
  assert.equal(a.completion_tokens, 6);
});

test('a tool call round trip through the translation, the tool calls recorded', async () => {
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  const messages = [{ role: 'user', content: 'Weather?' }];
  const r1 = await client.chat.completions.create({ model: 'echo', messages, tools });
  const call = r1.choices[0].message.tool_calls[0];
  assert.equal(r1.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'fake-city' });
  const rows = lastCall();
  assert.deepEqual(JSON.parse(rows[1].tool_calls), r1.choices[0].message.tool_calls);
  assert.equal(rows[1].finish_reason, 'tool_calls');
  const r2 = await client.chat.completions.create({ model: 'echo', tools, messages: [...messages, r1.choices[0].message,
    { role: 'tool', tool_call_id: call.id, content: 'rain' }] });
  assert.equal(r2.choices[0].message.content, 'Tool results: rain');
  // streamed
  const stream = await client.chat.completions.create({ model: 'echo', messages, tools, stream: true });
  let args = '';
  for await (const c of stream) args += c.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? '';
  assert.deepEqual(JSON.parse(args), { city: 'fake-city' });
  assert.equal(JSON.parse(lastCall()[1].tool_calls)[0].function.name, 'get_weather');
});

test('what cannot be mapped is a 400 naming the field; nothing is sent or recorded', async () => {
  const n = fake.requests.length, m = dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n;
  await assert.rejects(client.chat.completions.create({ model: 'echo', n: 2, messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'n');
  assert.equal(fake.requests.length, n);
  assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n, m);
});

test('provider failures raise the client\'s errors with the provider\'s words, and are recorded', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'fail-500', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.APIError && e.status === 502 && /internal failure in the fake model/.test(e.message));
  assert.equal(lastCall()[0].status, 'error');
  await assert.rejects(client.chat.completions.create({ model: 'fail-400', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.BadRequestError && /refuses every request/.test(e.message));
  // An error event mid-stream: the client's stream raises, the partial text is recorded.
  let got = '';
  await assert.rejects((async () => {
    for await (const c of await client.chat.completions.create({ model: 'overloaded-stream', stream: true, messages: [{ role: 'user', content: 'overload me now' }] })) {
      got += c.choices[0]?.delta?.content ?? '';
    }
  })(), (e) => e instanceof OpenAI.APIError && /Overloaded/i.test(e.message));
  const [q, a] = lastCall();
  assert.equal(q.status, 'error');
  assert.ok(got.length > 0);
  assert.equal(a.content, got);
  assert.ok(!server.stderr().includes('sk-ant-provider-secret-99'));
});
