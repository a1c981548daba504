// api.test.mjs - the OpenAI-compatible API (docs/api.md) driven by the official
// `openai` npm package, unchanged, against llmmeta in front of the fake provider
// (tests/lib/fake-provider.mjs): the model list, chat with and without streaming,
// a tool call round trip, unknown fields and response_format passed through, the
// conversation header, the errors each raise the client's own exception, the
// per-user limit, a client that leaves mid-stream or mid-call, and what is recorded for each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startServer, dbQuery, createUser, runCli, sleep, uniq } from '../lib/server.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const MODELS = 'echo,tool,received,fail-500,bad-400,hang,drip,cut,whole,slow-3000,slow-20000';
let fake, server, alice, bob;

async function newKey(username, name = 'test') {
  const r = await runCli(['apikey', '--username', username, '--name', name], { env: server.env });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

async function account(prefix) {
  const username = uniq(prefix);
  const r = await createUser(server, { username, email: `${username}@example.org`, password: 'a-long-password-42' });
  assert.equal(r.code, 0, r.stderr);
  const key = await newKey(username);
  return { username, key, client: new OpenAI({ apiKey: key, baseURL: `${server.url}/v1`, maxRetries: 0 }) };
}

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_API_KEY: 'sk-provider-secret-4242', LLM_MODELS: MODELS,
    LLM_FIRST_TOKEN_TIMEOUT: '8', MAX_ASKS_PER_USER: '2' } });
  alice = await account('alice');
  bob = await account('bob');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

const lastRequest = () => fake.requests[fake.requests.length - 1];
/** The messages of the conversation of the user's last API call (question, answer...). */
function lastCall(username) {
  const [c] = dbQuery(server, `SELECT c.* FROM conversations c JOIN users u ON u.id = c.user_id WHERE u.username = '${username}' ORDER BY c.updated_at DESC, c.id DESC LIMIT 1`);
  const msgs = dbQuery(server, `SELECT * FROM messages WHERE conversation_id = ${c.id} ORDER BY id`);
  return { conv: c, msgs };
}

test('GET /v1/models lists every configured model in the OpenAI list shape', async () => {
  const ids = [];
  for await (const m of alice.client.models.list()) ids.push(m.id);
  assert.deepEqual(ids, MODELS.split(','));
});

test('a chat completion comes back as the provider sent it, with the model as asked, and is recorded', async () => {
  const before = dbQuery(server, `SELECT calls FROM api_keys k JOIN users u ON u.id = k.user_id WHERE u.username = '${alice.username}'`)[0].calls;
  const body = { model: 'echo', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is a tensile test?' }],
    temperature: 0.25, max_tokens: 77, seed: 7 };
  const r = await alice.client.chat.completions.create(body);
  assert.equal(r.choices[0].message.content, 'Answer to: What is a tensile test?');
  assert.equal(r.model, 'echo');
  assert.equal(r.system_fingerprint, 'fp_fake'); // a field llmmeta knows nothing of
  assert.equal(r.id, 'chatcmpl-fake');
  assert.equal(r.usage.completion_tokens, 7); // the fake counts words
  const sent = lastRequest().body;
  assert.deepEqual(sent, body); // the client's JSON, whole (model unchanged: one provider, same name)
  assert.equal(lastRequest().headers.authorization, 'Bearer sk-provider-secret-4242');

  const { conv, msgs } = lastCall(alice.username);
  assert.equal(conv.source, 'api');
  assert.equal(conv.title, 'What is a tensile test?');
  assert.equal(msgs.length, 2);
  const [q, a] = msgs;
  assert.equal(q.role, 'user');
  assert.equal(q.content, 'What is a tensile test?');
  assert.deepEqual(JSON.parse(q.request_json), body);
  assert.equal(q.source, 'api');
  assert.equal(q.status, 'ok');
  assert.equal(q.temperature, 0.25);
  assert.equal(q.max_tokens, 77);
  assert.equal(a.role, 'assistant');
  assert.equal(a.content, 'Answer to: What is a tensile test?');
  assert.equal(a.model, 'echo');
  assert.equal(a.model_reported, 'echo-2026');
  assert.equal(a.finish_reason, 'stop');
  assert.equal(a.prompt_tokens, r.usage.prompt_tokens);
  assert.equal(a.completion_tokens, 7);
  assert.equal(a.total_tokens, r.usage.total_tokens);
  assert.equal(a.source, 'api');
  assert.equal(a.tool_calls, null);
  assert.ok(a.elapsed_ms >= 0 && a.ttft_ms >= 0 && a.ttft_ms <= a.elapsed_ms);
  assert.equal(a.api_key_id, q.api_key_id);
  const key = dbQuery(server, `SELECT * FROM api_keys WHERE id = ${a.api_key_id}`)[0];
  assert.equal(key.calls, before + 1);
  assert.ok(Date.now() - key.last_used_at < 60000);
});

test('a streamed completion arrives chunk by chunk, ends with [DONE] after the record, and is recorded', async () => {
  const stream = await alice.client.chat.completions.create({ model: 'echo', stream: true,
    messages: [{ role: 'user', content: 'Stream me a fairly long answer, please' }] });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  assert.ok(chunks.length > 3);
  assert.ok(chunks.every((c) => c.model === 'echo' && c.object === 'chat.completion.chunk' && c.system_fingerprint === 'fp_fake'));
  const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
  assert.equal(text, 'Answer to: Stream me a fairly long answer, please');
  // The client did not ask for the usage chunk: llmmeta asked for it (for the record) and kept it to itself.
  assert.ok(chunks.every((c) => c.choices.length === 1));
  assert.equal(lastRequest().body.stream_options.include_usage, true);
  const { msgs: [q, a] } = lastCall(alice.username);
  assert.equal(q.content, 'Stream me a fairly long answer, please');
  assert.equal(JSON.parse(q.request_json).stream_options, undefined); // as the client sent it
  assert.equal(a.content, text);
  assert.equal(a.finish_reason, 'stop');
  assert.equal(a.completion_tokens, 9); // the fake counts words
  assert.equal(a.status, 'ok');
});

test('a provider that answers a stream request with a whole answer: the client still gets a stream', async () => {
  let text = '', finish = null;
  for await (const c of await alice.client.chat.completions.create({ model: 'whole', stream: true, messages: [{ role: 'user', content: 'not streamed' }] })) {
    assert.equal(c.model, 'whole');
    text += c.choices[0]?.delta?.content ?? '';
    finish = c.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, 'Answer to: not streamed');
  assert.equal(finish, 'stop');
  assert.equal(lastCall(alice.username).msgs[1].content, text);
});

test('stream_options.include_usage from the client: the usage chunk reaches it', async () => {
  const stream = await alice.client.chat.completions.create({ model: 'echo', stream: true, stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'count' }] });
  let usage = null;
  for await (const c of stream) if (c.usage) usage = c.usage;
  assert.equal(usage?.completion_tokens, 3);
});

const tools = [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];

test('a tool call round trip, the tool calls recorded as JSON', async () => {
  const messages = [{ role: 'developer', content: 'Use tools.' }, { role: 'user', content: 'Weather in Paris?' }];
  const r1 = await alice.client.chat.completions.create({ model: 'tool', messages, tools, tool_choice: 'auto' });
  const call = r1.choices[0].message.tool_calls[0];
  assert.equal(r1.choices[0].finish_reason, 'tool_calls');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  assert.deepEqual(lastRequest().body.tools, tools);
  assert.equal(lastRequest().body.tool_choice, 'auto');
  let rows = lastCall(alice.username).msgs;
  assert.deepEqual(JSON.parse(rows[1].tool_calls), [call]);
  assert.equal(rows[1].content, '');
  assert.equal(rows[1].finish_reason, 'tool_calls');

  const r2 = await alice.client.chat.completions.create({ model: 'tool', tools, messages: [...messages, r1.choices[0].message,
    { role: 'tool', tool_call_id: call.id, content: 'Sunny, 21 C' }] });
  assert.equal(r2.choices[0].message.content, 'Tool said: Sunny, 21 C');
  assert.deepEqual(lastRequest().body.messages.map((m) => m.role), ['developer', 'user', 'assistant', 'tool']);
  rows = lastCall(alice.username).msgs;
  assert.equal(rows[0].content, 'Weather in Paris?'); // the last user message
  assert.equal(JSON.parse(rows[0].request_json).messages[3].content, 'Sunny, 21 C');
  assert.equal(rows[1].content, 'Tool said: Sunny, 21 C');

  // The same tool call, streamed: pieces of arguments put together, for the client and the record.
  const stream = await alice.client.chat.completions.create({ model: 'tool', messages, tools, stream: true });
  let args = '', name = '';
  for await (const c of stream) {
    const t = c.choices[0]?.delta?.tool_calls?.[0];
    if (t?.function?.name) name = t.function.name;
    args += t?.function?.arguments ?? '';
  }
  assert.equal(name, 'get_weather');
  assert.deepEqual(JSON.parse(args), { city: 'Paris' });
  rows = lastCall(alice.username).msgs;
  assert.deepEqual(JSON.parse(rows[1].tool_calls), [{ id: 'call_fake1', type: 'function', function: { name: 'get_weather', arguments: args } }]);
  assert.equal(rows[1].finish_reason, 'tool_calls');
  assert.ok(rows[1].ttft_ms >= 0, 'a tool call counts as the first token');
});

test('response_format, stop, n, logprobs and unknown fields pass through untouched', async () => {
  const body = { model: 'received', messages: [{ role: 'user', content: 'x' }],
    response_format: { type: 'json_schema', json_schema: { name: 'a', schema: { type: 'object', properties: { answer: { type: 'string' } } } } },
    stop: ['\n\n', 'END'], n: 1, logprobs: false, seed: 42, top_p: 0.5, frequency_penalty: 0.1, x_unknown: { nested: [1, 2.5, 'é'] } };
  const r = await alice.client.chat.completions.create(body);
  const received = JSON.parse(JSON.parse(r.choices[0].message.content).answer);
  assert.deepEqual(received, body);
});

test('X-Conversation-Id groups calls in one conversation; another user\'s id is a 404', async () => {
  const id = crypto.randomUUID();
  const opts = { headers: { 'X-Conversation-Id': id } };
  await alice.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'first' }] }, opts);
  await alice.client.chat.completions.create({ model: 'echo', stream: false, messages: [{ role: 'user', content: 'second' }] }, opts);
  const conv = dbQuery(server, `SELECT * FROM conversations WHERE uuid = '${id}'`);
  assert.equal(conv.length, 1);
  assert.equal(conv[0].source, 'api');
  assert.equal(conv[0].title, 'first');
  const msgs = dbQuery(server, `SELECT role, content FROM messages WHERE conversation_id = ${conv[0].id} ORDER BY id`);
  assert.deepEqual(msgs.map((m) => m.content), ['first', 'Answer to: first', 'second', 'Answer to: second']);
  const revision = dbQuery(server, `SELECT revision FROM conversations WHERE uuid = '${id}'`)[0].revision;
  assert.equal(revision, 4, 'every message written moves the revision');

  const n = fake.requests.length;
  await assert.rejects(bob.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'mine?' }] }, opts),
    (e) => e instanceof OpenAI.NotFoundError && e.status === 404 && e.param === 'X-Conversation-Id');
  assert.equal(fake.requests.length, n, 'nothing reached the provider');
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM messages WHERE conversation_id = ${conv[0].id}`)[0].n, 4);
  await assert.rejects(alice.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] },
    { headers: { 'X-Conversation-Id': 'not-a-uuid' } }), (e) => e instanceof OpenAI.BadRequestError && e.param === 'X-Conversation-Id');
});

test('a bad key raises AuthenticationError; so does a key of a deactivated user', async () => {
  const bad = new OpenAI({ apiKey: `llmk-${'A'.repeat(43)}`, baseURL: `${server.url}/v1`, maxRetries: 0 });
  await assert.rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
  await assert.rejects(bad.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.AuthenticationError && e.code === 'invalid_api_key');
  const none = new OpenAI({ apiKey: 'sk-something-else', baseURL: `${server.url}/v1`, maxRetries: 0 });
  await assert.rejects(none.models.list(), OpenAI.AuthenticationError);
  const carol = await account('carol');
  await carol.client.models.list();
  const { spawnSync } = await import('node:child_process');
  // deactivated behind the app's back, as an admin would
  const { dbExec } = await import('../lib/server.mjs');
  dbExec(server, `UPDATE users SET is_active = 0 WHERE username = '${carol.username}'`);
  await assert.rejects(carol.client.models.list(), OpenAI.AuthenticationError);
  void spawnSync;
});

test('an expired key is refused', async () => {
  const carol = await account('dave');
  const { dbExec } = await import('../lib/server.mjs');
  dbExec(server, `UPDATE api_keys SET expires_at = ${Date.now() - 1} WHERE user_id = (SELECT id FROM users WHERE username = '${carol.username}')`);
  await assert.rejects(carol.client.models.list(), OpenAI.AuthenticationError);
});

test('an unknown model raises NotFoundError; nothing is sent or recorded', async () => {
  const n = fake.requests.length;
  const before = dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n;
  await assert.rejects(alice.client.chat.completions.create({ model: 'gpt-nothing', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.NotFoundError && e.code === 'model_not_found' && e.param === 'model');
  assert.equal(fake.requests.length, n);
  assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM messages')[0].n, before);
});

test('the form\'s checks where the field is the same: temperature 2 is the last accepted, 2.01 refused', async () => {
  await alice.client.chat.completions.create({ model: 'echo', temperature: 2, messages: [{ role: 'user', content: 'hot' }] });
  assert.equal(lastRequest().body.temperature, 2);
  const n = fake.requests.length;
  for (const [body, param] of [
    [{ temperature: 2.01 }, 'temperature'], [{ temperature: -0.01 }, 'temperature'], [{ top_p: 1.5 }, 'top_p'],
    [{ max_tokens: 0 }, 'max_tokens'], [{ max_tokens: 1.5 }, 'max_tokens'], [{ messages: [] }, 'messages'],
    [{ messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'], [{ messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ stream: 'yes' }, 'stream'], [{ model: 3 }, 'model'],
  ]) {
    await assert.rejects(alice.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'x' }], ...body }),
      (e) => e instanceof OpenAI.BadRequestError && e.param === param && e.type === 'invalid_request_error', JSON.stringify(body));
  }
  assert.equal(fake.requests.length, n, 'nothing refused reached the provider');
  const r = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${alice.key}` }, body: '{not json' });
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error.type, 'invalid_request_error');
});

test('a provider failure raises APIError with the provider\'s message (its key redacted), and is recorded as an error', async () => {
  await assert.rejects(alice.client.chat.completions.create({ model: 'fail-500', messages: [{ role: 'user', content: 'break' }] }),
    (e) => e instanceof OpenAI.APIError && e.status === 502 && /internal failure in the fake model/.test(e.message));
  let { msgs } = lastCall(alice.username);
  assert.equal(msgs.length, 1, 'no answer row when nothing came');
  assert.equal(msgs[0].status, 'error');
  assert.match(msgs[0].error, /HTTP 500/);
  // The provider refused the request itself: its status and words reach the client.
  await assert.rejects(alice.client.chat.completions.create({ model: 'bad-400', messages: [{ role: 'user', content: 'x' }] }),
    (e) => e instanceof OpenAI.BadRequestError && /Invalid value for 'tools\[0\]\.type'/.test(e.message));
  // Streaming: the error comes before any byte, as an HTTP error.
  await assert.rejects((async () => {
    for await (const c of await alice.client.chat.completions.create({ model: 'fail-500', stream: true, messages: [{ role: 'user', content: 'x' }] })) void c;
  })(), (e) => e instanceof OpenAI.APIError && e.status === 502);
  // A stream cut: the client gets an error, never a [DONE]; the record says what happened.
  await assert.rejects((async () => {
    for await (const c of await alice.client.chat.completions.create({ model: 'cut', stream: true, messages: [{ role: 'user', content: 'cut me off somewhere' }] })) void c;
  })(), (e) => e instanceof OpenAI.APIError);
  ({ msgs } = lastCall(alice.username));
  assert.equal(msgs[0].content, 'cut me off somewhere');
  assert.equal(msgs[0].status, 'error');
  assert.match(msgs[0].error, /stopped answering/);
  assert.ok(!server.stderr().includes('sk-provider-secret-4242'));
});

test('a timeout is a 504', async () => {
  await assert.rejects(alice.client.chat.completions.create({ model: 'hang', messages: [{ role: 'user', content: 'wait' }] }),
    (e) => e instanceof OpenAI.APIError && e.status === 504);
});

test('the calls in flight per user are limited: 429 with Retry-After, others unaffected', async () => {
  const ac = new AbortController();
  const hung = [1, 2].map(() => alice.client.chat.completions.create({ model: 'drip', stream: true, messages: [{ role: 'user', content: 'long' }] }, { signal: ac.signal }).then(async (s) => { for await (const c of s) void c; }).catch(() => {}));
  await sleep(500);
  const r = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'echo', messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '5');
  assert.equal((await r.json()).error.type, 'rate_limit_error');
  await bob.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'bob is fine' }] });
  ac.abort();
  await Promise.all(hung);
  // the places come back when the calls end
  for (let i = 0; i < 50; i++) {
    try { await alice.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'again' }] }); break; } catch (e) {
      if (!(e instanceof OpenAI.RateLimitError) || i === 49) throw e;
      await sleep(100);
    }
  }
});

test('a client that leaves mid-stream cancels the provider call; what came is recorded as cancelled', async () => {
  const ac = new AbortController();
  const stream = await alice.client.chat.completions.create({ model: 'drip', stream: true, messages: [{ role: 'user', content: 'drip please' }] }, { signal: ac.signal });
  let got = '';
  try {
    for await (const c of stream) {
      got += c.choices[0]?.delta?.content ?? '';
      if (got.length >= 10) ac.abort();
    }
  } catch { /* aborted */ }
  let msgs;
  for (let i = 0; i < 50; i++) {
    ({ msgs } = lastCall(alice.username));
    if (msgs[0].content === 'drip please' && msgs[0].status === 'cancelled') break;
    await sleep(100);
  }
  assert.equal(msgs[0].status, 'cancelled');
  assert.equal(msgs[1].status, 'cancelled');
  assert.ok(msgs[1].content.startsWith('drop0 '), msgs[1].content);
  assert.ok(msgs[1].content.length < 40 * 6, 'the provider call was stopped');
});

test('a client that leaves a non-streamed call is noticed too: the call is cancelled before the model answers', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  const seen = fake.requests.length;
  const p = alice.client.chat.completions.create({ model: 'slow-20000', messages: [{ role: 'user', content: 'whole then gone' }] }, { signal: ac.signal })
    .catch(() => {});
  for (let i = 0; i < 100 && fake.requests.length === seen; i++) await sleep(50);
  ac.abort();
  await p;
  let q;
  for (let i = 0; i < 300; i++) {
    [q] = dbQuery(server, "SELECT * FROM messages WHERE content = 'whole then gone'");
    if (q?.status === 'cancelled') break;
    await sleep(50);
  }
  assert.equal(q?.status, 'cancelled');
  assert.ok(Date.now() - t0 < 19500, `noticed after ${Date.now() - t0} ms, before the model's answer at 20 s`);
});

test('API calls show in the history, on the conversation page and in the export, marked as API', async () => {
  const { Client } = await import('../lib/server.mjs');
  const { login } = await import('../lib/flows.mjs');
  const web = new Client(server.url);
  const r = await login(web, alice.username, 'a-long-password-42');
  assert.equal(r.status, 302);
  await alice.client.chat.completions.create({ model: 'echo', messages: [{ role: 'user', content: 'shown in history <b>' }] });
  const { conv } = lastCall(alice.username);
  const history = await web.get('/conversation/');
  const entry = history.text.split('<article class="hist-conv"').find((a) => a.includes(`/conversation/${conv.uuid}/`));
  assert.ok(entry, 'the call is in the history');
  assert.match(entry, /shown in history &lt;b&gt;/);
  assert.match(entry, /<abbr class="via-api"[^>]*>API<\/abbr>/);
  const page = await web.get(`/conversation/${conv.uuid}/`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<dt>Via<\/dt><dd>API<\/dd>/);
  assert.match(page.text, /Answer to: shown in history &lt;b&gt;/);
  const csv = await web.get('/export/messages.csv');
  const line = csv.text.split('\r\n').find((l) => l.includes('Answer to: shown in history <b>'));
  assert.ok(line && line.includes(',api,'), line);
});

test('a stream whose model is silent gets keep-alive comments, which the client skips', async () => {
  let text = '';
  for await (const c of await alice.client.chat.completions.create({ model: 'slow-3000', stream: true, messages: [{ role: 'user', content: 'think first' }] })) {
    text += c.choices[0]?.delta?.content ?? '';
  }
  assert.equal(text, 'Answer to: think first');
  const raw = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${alice.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow-3000', stream: true, messages: [{ role: 'user', content: 'raw' }] }) });
  const body = await raw.text();
  assert.match(body, /^: keep-alive\n\n/);
  assert.ok(body.endsWith('data: [DONE]\n\n'));
});

test('a client that leaves while the model is still silent is noticed: the call is cancelled before the model answers', async () => {
  const ac = new AbortController();
  const t0 = Date.now();
  // The model is silent for 20 s: noticing the client left takes well under that on
  // a loaded machine, and a server that did not notice would wait the whole 20 s.
  const p = alice.client.chat.completions.create({ model: 'slow-20000', stream: true, messages: [{ role: 'user', content: 'silent then gone' }] }, { signal: ac.signal })
    .then(async (s) => { for await (const c of s) void c; }).catch(() => {});
  setTimeout(() => ac.abort(), 500);
  await p;
  let q;
  for (let i = 0; i < 300; i++) {
    [q] = dbQuery(server, "SELECT * FROM messages WHERE content = 'silent then gone'");
    if (q?.status === 'cancelled') break; // on record from the start: wait for its end
    await sleep(50);
  }
  assert.ok(q, 'recorded');
  assert.equal(q.status, 'cancelled');
  assert.ok(Date.now() - t0 < 19500, `noticed after ${Date.now() - t0} ms, before the model's first word at 20 s`);
});
