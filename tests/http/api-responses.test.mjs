// api-responses.test.mjs - POST /v1/responses and its stored responses (docs/api.md,
// "Responses") driven by the official `openai` npm package, unchanged, against the
// fake provider in the OpenAI chat completions shape and in the Anthropic messages
// shape (Responses -> chat -> messages): a plain response with its output_text, a
// stream read event by event (every event type, each with its sequence_number),
// a function tool round trip streamed and whole, text.format json_schema (checked on
// arrival, refused for Anthropic), previous_response_id continuing a conversation,
// retrieve, input_items and delete - none of them open to another user (404) - the
// record (source api-responses, in history, export and the admin's list), store
// false, refusals naming their parameter, a client leaving mid-stream (cancelled),
// and the route in /metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, dbQuery, sleep, Client } from '../lib/server.mjs';
import { login } from '../lib/flows.mjs';
import { adminClient } from '../lib/admin.mjs';
import { apiAccount, lastApiRecord } from '../lib/api.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const TOKEN = 'metrics-token-responses-0123456789';
let fake, server, dir, alice, bob;


before(async () => {
  fake = await startFakeProvider();
  dir = mkdtempSync(join(tmpdir(), 'llmmeta-resp-'));
  const ini = join(dir, 'providers.ini');
  writeFileSync(ini, `[open]\ntype = openai\nurl = ${fake.url}\nkey = sk-resp-secret-31\nmodels = echo, tool, drip, whole, fail-500, cut\n\n`
    + `[anth]\ntype = anthropic\nurl = ${fake.url}\nkey = sk-ant-resp-9\nmodels = claude-x, overloaded-stream\n\n`
    + `[native]\ntype = openai\nurl = ${fake.url}\nkey = sk-native-5\nmodels = nat\nresponses = native\n`);
  server = await startServer({ env: { LLMMETA_PROVIDERS: ini, METRICS_TOKEN: TOKEN } });
  alice = await apiAccount(server, 'ralice');
  bob = await apiAccount(server, 'rbob');
});

after(async () => {
  await server?.stop();
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The messages of the conversation holding the user's last call. */
const lastRecord = (username) => lastApiRecord(server, username, 'api-responses');

/** Waits until the question with this content is no longer in flight. */
async function recorded(content) {
  for (let i = 0; i < 100; i++) {
    const [q] = dbQuery(server, `SELECT status FROM messages WHERE source = 'api-responses' AND role = 'user'
      AND content = '${content}' ORDER BY id DESC LIMIT 1`);
    if (q && q.status !== 'ok') return q.status;
    const a = dbQuery(server, `SELECT m.status FROM messages m JOIN messages q ON q.conversation_id = m.conversation_id
      WHERE q.content = '${content}' AND m.role = 'assistant'`);
    if (a.length) return a[0].status;
    await sleep(100);
  }
  return null;
}

const STREAM_TEXT_EVENTS = ['response.created', 'response.in_progress', 'response.output_item.added',
  'response.content_part.added', 'response.output_text.delta', 'response.output_text.done',
  'response.content_part.done', 'response.output_item.done', 'response.completed'];

/** Checks a stream's sequence numbers (0, 1, 2, ...) and returns the types, deltas merged. */
function typesOf(events) {
  events.forEach((e, i) => assert.equal(e.sequence_number, i, `event ${i} (${e.type}) has its sequence_number`));
  return events.map((e) => e.type).filter((t, i, all) => !(t.endsWith('.delta') && all[i - 1] === t));
}

for (const [shape, model] of [['OpenAI', 'echo'], ['Anthropic', 'claude-x']]) {
  test(`${shape}: responses.create gives a response object, its output_text, usage and a resp_ id`, async () => {
    const r = await alice.client.responses.create({ model, input: 'What is two and two?', instructions: 'Be brief.',
      max_output_tokens: 50, temperature: 0.5 });
    assert.match(r.id, /^resp_/);
    assert.equal(r.object, 'response');
    assert.equal(r.status, 'completed');
    assert.equal(r.model, model);
    assert.equal(r.output_text, 'Answer to: What is two and two?');
    assert.equal(r.output.length, 1);
    assert.equal(r.output[0].type, 'message');
    assert.equal(r.output[0].content[0].type, 'output_text');
    assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
    assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
    assert.equal(r.instructions, 'Be brief.');
    const sent = fake.requests.at(-1).body;
    if (shape === 'OpenAI') {
      assert.deepEqual(sent.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is two and two?' }]);
      assert.equal(sent.max_tokens, 50);
      assert.equal(sent.model, 'echo');
    } else {
      assert.equal(sent.system, 'Be brief.');
      assert.equal(sent.max_tokens, 50);
    }
    assert.equal(sent.temperature, 0.5);
    const [q, a] = lastRecord(alice.username);
    assert.equal(q.source, 'api-responses');
    assert.equal(q.content, 'What is two and two?');
    assert.equal(q.max_tokens, 50);
    assert.equal(a.source, 'api-responses');
    assert.equal(a.content, 'Answer to: What is two and two?');
    assert.equal(a.status, 'ok');
    assert.ok(a.total_tokens > 0);
  });

  test(`${shape}: stream: true gives every event type in order, each with its sequence_number`, async () => {
    const stream = await alice.client.responses.create({ model, input: 'Stream me a sentence', stream: true });
    const events = [];
    for await (const e of stream) events.push(e);
    assert.deepEqual(typesOf(events), STREAM_TEXT_EVENTS);
    const text = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta).join('');
    assert.equal(text, 'Answer to: Stream me a sentence');
    assert.equal(events.find((e) => e.type === 'response.output_text.done').text, text);
    const done = events.at(-1).response;
    assert.equal(done.status, 'completed');
    assert.ok(done.usage.output_tokens > 0);
    const first = events[0].response;
    assert.equal(first.status, 'in_progress');
    assert.equal(first.id, done.id);
    // The client's stream helper accumulates the same response.
    const helper = alice.client.responses.stream({ model, input: 'Stream me a sentence' });
    const final = await helper.finalResponse();
    assert.equal(final.status, 'completed');
    assert.equal(final.output[0].content[0].text, text);
    const [q, a] = lastRecord(alice.username);
    assert.equal(q.content, 'Stream me a sentence');
    assert.equal(a.content, text);
  });

  test(`${shape}: a function tool round trip, streamed (arguments as events) and whole`, async () => {
    const tools = [{ type: 'function', name: 'get_weather', description: 'The weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const toolModel = shape === 'OpenAI' ? 'tool' : model;
    const stream = await alice.client.responses.create({ model: toolModel, input: 'Weather in Paris?', tools, stream: true });
    const events = [];
    for await (const e of stream) events.push(e);
    const types = typesOf(events);
    assert.ok(types.includes('response.function_call_arguments.delta'), types.join());
    assert.ok(types.includes('response.function_call_arguments.done'), types.join());
    const done = events.at(-1);
    assert.equal(done.type, 'response.completed');
    const call = done.response.output.find((o) => o.type === 'function_call');
    assert.equal(call.name, 'get_weather');
    assert.equal(events.find((e) => e.type === 'response.function_call_arguments.done').arguments, call.arguments);
    assert.equal(JSON.parse(call.arguments).city, shape === 'OpenAI' ? 'Paris' : 'fake-city');
    const added = events.filter((e) => e.type === 'response.output_item.added').map((e) => e.output_index);
    assert.deepEqual(added, done.response.output.map((_, i) => i));
    // The result goes back with previous_response_id; the model answers from it.
    const r = await alice.client.responses.create({ model: toolModel, previous_response_id: done.response.id, tools,
      input: [{ type: 'function_call_output', call_id: call.call_id, output: '22 degrees' }] });
    assert.equal(r.status, 'completed');
    assert.match(r.output_text, /22 degrees/);
    const sent = fake.requests.at(-1).body;
    if (shape === 'OpenAI') {
      assert.deepEqual(sent.tools, [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: tools[0].parameters } }]);
      assert.equal(sent.messages.at(-2).tool_calls[0].id, call.call_id);
      assert.deepEqual(sent.messages.at(-1), { role: 'tool', tool_call_id: call.call_id, content: '22 degrees' });
    } else {
      assert.equal(sent.messages.at(-1).content[0].type, 'tool_result');
    }
    // Both calls in one conversation, the tool call on record.
    const rows = lastRecord(alice.username);
    assert.equal(rows.length, 4);
    assert.equal(JSON.parse(rows[1].tool_calls)[0].function.name, 'get_weather');
    assert.equal(rows[2].content, '22 degrees');
    // Whole: the function_call item in output.
    const whole = await alice.client.responses.create({ model: toolModel, input: 'Weather in Oslo?', tools });
    assert.equal(whole.output.find((o) => o.type === 'function_call').name, 'get_weather');
  });

  test(`${shape}: previous_response_id continues the conversation: its history goes to the provider, one conversation on record`, async () => {
    const first = await alice.client.responses.create({ model, input: 'My name is Ada.' });
    const second = await alice.client.responses.create({ model, input: 'What is my name?', previous_response_id: first.id });
    assert.equal(second.previous_response_id, first.id);
    const sent = fake.requests.at(-1).body;
    const texts = JSON.stringify(sent.messages);
    assert.ok(texts.includes('My name is Ada.') && texts.includes('Answer to: My name is Ada.') && texts.includes('What is my name?'), texts);
    const rows = lastRecord(alice.username);
    assert.deepEqual(rows.map((m) => m.content), ['My name is Ada.', 'Answer to: My name is Ada.', 'What is my name?', 'Answer to: What is my name?']);
    // Another user's id is not found.
    await assert.rejects(bob.client.responses.create({ model, input: 'x', previous_response_id: second.id }),
      (e) => e.status === 404 && e.param === 'previous_response_id' && e.code === 'previous_response_not_found');
  });
}

test('text.format json_schema: validated on arrival, sent as response_format, recorded; refused for Anthropic naming text.format', async () => {
  const format = { type: 'json_schema', name: 'answer', strict: true,
    schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false } };
  const r = await alice.client.responses.create({ model: 'echo', input: 'Answer in JSON', text: { format } });
  assert.deepEqual(JSON.parse(r.output_text), { answer: 'Answer to: Answer in JSON' });
  assert.deepEqual(r.text.format, format);
  const sent = fake.requests.at(-1).body;
  assert.deepEqual(sent.response_format, { type: 'json_schema', json_schema: { name: 'answer', schema: format.schema, strict: true } });
  const [q] = lastRecord(alice.username);
  assert.deepEqual(JSON.parse(q.request_json).text.format, format);
  // The client's parse helper reads it too.
  const parsed = await alice.client.responses.parse({ model: 'echo', input: 'Parse me', text: { format } });
  assert.deepEqual(parsed.output_parsed, { answer: 'Answer to: Parse me' });
  // Not a valid schema: 400 before any call.
  const n = fake.requests.length;
  await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'x', text: { format: { ...format, schema: { type: 'no-such-type' } } } }),
    (e) => e.status === 400 && e.param === 'text.format.schema');
  await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'x', text: { format: { ...format, schema: { $ref: 'https://example.org/s.json' } } } }),
    (e) => e.status === 400 && e.param === 'text.format.schema');
  assert.equal(fake.requests.length, n);
  await assert.rejects(alice.client.responses.create({ model: 'claude-x', input: 'x', text: { format } }),
    (e) => e.status === 400 && e.param === 'text.format');
  const obj = await alice.client.responses.create({ model: 'echo', input: 'JSON object', text: { format: { type: 'json_object' } } });
  assert.deepEqual(fake.requests.at(-1).body.response_format, { type: 'json_object' });
  assert.ok(JSON.parse(obj.output_text));
});

test('retrieve, input_items and delete: the owner\'s only; another user gets 404 for each', async () => {
  const r = await alice.client.responses.create({ model: 'echo', input: [{ role: 'user', content: [{ type: 'input_text', text: 'Keep me' }] }] });
  const got = await alice.client.responses.retrieve(r.id);
  assert.equal(got.id, r.id);
  assert.equal(got.output_text, 'Answer to: Keep me');
  const items = await alice.client.responses.inputItems.list(r.id);
  assert.equal(items.data.length, 1);
  assert.equal(items.data[0].type, 'message');
  assert.equal(items.data[0].role, 'user');
  assert.equal(items.data[0].content[0].text, 'Keep me');
  for (const call of [() => bob.client.responses.retrieve(r.id), () => bob.client.responses.delete(r.id),
    () => bob.client.responses.inputItems.list(r.id)]) {
    await assert.rejects(call(), (e) => e.status === 404);
  }
  // Still there for its owner after bob's attempts; then deleted with its record.
  assert.equal((await alice.client.responses.retrieve(r.id)).id, r.id);
  assert.equal(lastRecord(alice.username)[0].content, 'Keep me');
  await alice.client.responses.delete(r.id);
  await assert.rejects(alice.client.responses.retrieve(r.id), (e) => e.status === 404);
  await assert.rejects(alice.client.responses.delete(r.id), (e) => e.status === 404);
  assert.equal(dbQuery(server, "SELECT count(*) AS n FROM messages WHERE content = 'Keep me'")[0].n, 0);
  await assert.rejects(alice.client.responses.retrieve('resp_nosuch'), (e) => e.status === 404);
});

test('store: false is recorded all the same, but cannot be retrieved or continued', async () => {
  const r = await alice.client.responses.create({ model: 'echo', input: 'Forget me not', store: false });
  assert.equal(r.store, false);
  const [q, a] = lastRecord(alice.username);
  assert.equal(q.content, 'Forget me not');
  assert.equal(a.content, 'Answer to: Forget me not');
  await assert.rejects(alice.client.responses.retrieve(r.id), (e) => e.status === 404);
  await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'x', previous_response_id: r.id }),
    (e) => e.status === 404 && e.param === 'previous_response_id');
});

test('what cannot be mapped is a 400 naming the parameter, in the OpenAI error shape, and nothing is sent or recorded', async () => {
  const n = fake.requests.length;
  const before = dbQuery(server, "SELECT count(*) AS n FROM messages WHERE source = 'api-responses'")[0].n;
  const cases = [
    [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
    [{ reasoning: { effort: 'high' } }, 'reasoning'],
    [{ background: true }, 'background'],
    [{ truncation: 'auto' }, 'truncation'],
    [{ include: ['reasoning.encrypted_content'] }, 'include'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', file_id: 'file-1' }] }] }, 'input[0].content[0].file_id'],
    [{ input: [{ type: 'item_reference', id: 'x' }] }, 'input[0].type'],
    [{ input: [] }, 'input'],
    [{ temperature: 2.01 }, 'temperature'],
    [{ max_output_tokens: 0 }, 'max_output_tokens'],
    [{ tool_choice: { type: 'file_search' } }, 'tool_choice'],
    [{ text: { format: { type: 'xml' } } }, 'text.format.type'],
    [{ frobnicate: 1 }, 'frobnicate'],
    [{ metadata: { k: 1 } }, 'metadata'],
  ];
  for (const [extra, param] of cases) {
    await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'x', ...extra }),
      (e) => e.status === 400 && e.param === param && e.type === 'invalid_request_error', `${JSON.stringify(extra)} names ${param}`);
  }
  // The last accepted values of the ranges.
  await alice.client.responses.create({ model: 'echo', input: 'x', temperature: 2, max_output_tokens: 1, top_p: 1 });
  await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'x', top_p: 1.01 }), (e) => e.param === 'top_p');
  await assert.rejects(alice.client.responses.create({ model: 'nope', input: 'x' }), (e) => e.status === 404 && e.code === 'model_not_found');
  // Anthropic's range of temperature is 0 to 1: refused naming it, not clamped.
  await assert.rejects(alice.client.responses.create({ model: 'claude-x', input: 'x', temperature: 1.5 }), (e) => e.status === 400 && e.param === 'temperature');
  assert.equal(fake.requests.length, n + 1);
  assert.equal(dbQuery(server, "SELECT count(*) AS n FROM messages WHERE source = 'api-responses'")[0].n, before + 2);
});

test('the limits at the last accepted and the first refused value: metadata, MAX_CONTEXT_CHARS with its conversation', async () => {
  const meta = (n, k = 1, v = 1) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${i}`.padEnd(k, 'k'), 'v'.repeat(v)]));
  await alice.client.responses.create({ model: 'echo', input: 'm', metadata: meta(16, 64, 512) });
  for (const bad of [meta(17), meta(1, 65), meta(1, 1, 513)]) {
    await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'm', metadata: bad }), (e) => e.status === 400 && e.param === 'metadata');
  }
  // MAX_CONTEXT_CHARS (200000 by default): the input and the instructions together.
  const limit = 200000;
  await alice.client.responses.create({ model: 'echo', input: 'x'.repeat(limit - 2), instructions: 'ab' });
  await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'x'.repeat(limit - 2), instructions: 'abc' }),
    (e) => e.status === 400 && e.code === 'context_length_exceeded' && e.param === 'input');
  // With its conversation: the stored items count too.
  const first = await alice.client.responses.create({ model: 'echo', input: 'y'.repeat(limit - 300) });
  const prior = (limit - 300) + first.output_text.length;
  await alice.client.responses.create({ model: 'echo', input: 'z'.repeat(limit - prior), previous_response_id: first.id });
  await assert.rejects(alice.client.responses.create({ model: 'echo', input: 'z'.repeat(limit - prior + 1), previous_response_id: first.id }),
    (e) => e.status === 400 && e.code === 'context_length_exceeded');
});

test('a provider that answers whole a streamed request still gives every event; a failed provider is the client\'s exception', async () => {
  const stream = await alice.client.responses.create({ model: 'whole', input: 'Whole please', stream: true });
  const events = [];
  for await (const e of stream) events.push(e);
  assert.deepEqual(typesOf(events), STREAM_TEXT_EVENTS);
  await assert.rejects(alice.client.responses.create({ model: 'fail-500', input: 'fail' }), (e) => e.status === 502);
  const [q] = lastRecord(alice.username);
  assert.equal(q.status, 'error');
  const s2 = await alice.client.responses.create({ model: 'fail-500', input: 'fail', stream: true }).catch((e) => e);
  assert.equal(s2.status, 502);
});

test('a stream that fails midway ends with response.failed, its item closed; recorded as an error, not stored', async () => {
  // Anthropic's error event after the first piece of text.
  const input = 'fail midway';
  const stream = await alice.client.responses.create({ model: 'overloaded-stream', input, stream: true });
  const events = [];
  for await (const e of stream) events.push(e);
  const types = typesOf(events);
  assert.deepEqual(types, [...STREAM_TEXT_EVENTS.slice(0, -1), 'response.failed']);
  const failed = events.at(-1).response;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error.message, /Overloaded/i);
  assert.equal(failed.output[0].content[0].text, events.find((e) => e.type === 'response.output_text.done').text);
  assert.equal(await recorded(input), 'error');
  await assert.rejects(alice.client.responses.retrieve(failed.id), (e) => e.status === 404);
  // A provider whose connection breaks: the HTTP error when nothing had come yet, else
  // response.failed; the call recorded as an error either way.
  const cut = await (async () => {
    const out = [];
    for await (const e of await alice.client.responses.create({ model: 'cut', input: 'cut me', stream: true })) out.push(e);
    return out.at(-1).type;
  })().catch((e) => e.status);
  assert.ok(cut === 502 || cut === 'response.failed', String(cut));
  assert.equal(await recorded('cut me'), 'error');
});

test('a client that leaves mid-stream cancels the provider call; what came is recorded as cancelled', async () => {
  const ac = new AbortController();
  const input = 'leave me midway';
  const stream = await alice.client.responses.create({ model: 'drip', input, stream: true }, { signal: ac.signal });
  let deltas = 0;
  try {
    for await (const e of stream) {
      if (e.type === 'response.output_text.delta' && ++deltas >= 5) ac.abort();
    }
  } catch { /* aborted */ }
  assert.equal(await recorded(input), 'cancelled');
  const [q, a] = lastRecord(alice.username);
  assert.equal(q.status, 'cancelled');
  assert.match(a.content, /^drop0 drop1 drop2 drop3 drop4 /);
  // The provider's call was cut: the fake saw its connection close long before its 40 pieces.
});

test('a provider declared responses = native gets the request passed through, and its answer back as it sent it', async () => {
  const r = await alice.client.responses.create({ model: 'nat', input: 'Native please', metadata: { a: 'b' }, store: true });
  const sent = fake.requests.at(-1);
  assert.equal(sent.url, '/v1/responses');
  assert.deepEqual(sent.body, { model: 'nat', input: 'Native please', metadata: { a: 'b' }, store: true });
  assert.match(r.id, /^resp_native_/);
  assert.equal(r.model, 'nat'); // the client's name, not the provider's nat-2026
  assert.equal(r.output_text, 'Native answer to: Native please');
  const [q, a] = lastRecord(alice.username);
  assert.equal(q.content, 'Native please');
  assert.equal(a.content, 'Native answer to: Native please');
  assert.equal(a.total_tokens, r.usage.total_tokens);
  // Stored under the provider's id, for its owner only; continued by passing the id through.
  assert.equal((await alice.client.responses.retrieve(r.id)).output_text, r.output_text);
  await assert.rejects(bob.client.responses.retrieve(r.id), (e) => e.status === 404);
  await assert.rejects(bob.client.responses.create({ model: 'nat', input: 'x', previous_response_id: r.id }), (e) => e.status === 404);
  const stream = await alice.client.responses.create({ model: 'nat', input: 'And streamed', previous_response_id: r.id, stream: true });
  const events = [];
  for await (const e of stream) events.push(e);
  assert.deepEqual(typesOf(events), STREAM_TEXT_EVENTS);
  assert.equal(fake.requests.at(-1).body.previous_response_id, r.id);
  assert.equal(events.at(-1).response.model, 'nat');
  const rows = lastRecord(alice.username);
  assert.deepEqual(rows.map((m) => m.content), ['Native please', 'Native answer to: Native please', 'And streamed', 'Native answer to: And streamed']);
});

test('the record: in the owner\'s history and export with its source, in the admin\'s list; not in another user\'s', async () => {
  await alice.client.responses.create({ model: 'echo', input: 'History shows me' });
  const web = new Client(server.url);
  await login(web, alice.username, alice.password);
  const hist = await web.get('/conversation/');
  assert.ok(hist.text.includes('History shows me'));
  assert.ok(hist.text.includes('API responses'));
  const csv = await web.get('/export/messages.csv');
  assert.ok(csv.text.split('\r\n').some((l) => l.includes(',api-responses,') && l.includes('History shows me')));
  const bweb = new Client(server.url);
  await login(bweb, bob.username, bob.password);
  assert.ok(!(await bweb.get('/conversation/')).text.includes('History shows me'));
  assert.ok(!(await bweb.get('/export/messages.csv')).text.includes('History shows me'));
  const { client: adm } = await adminClient(server);
  const listed = await adm.get('/admin/messages/?source=api-responses');
  assert.equal(listed.status, 200);
  assert.ok(listed.text.includes('History shows me'));
});

test('the provider\'s key never reaches the client or the record; the route is in /metrics', async () => {
  const r = await alice.client.responses.create({ model: 'echo', input: 'say sk-resp-secret-31 twice' });
  assert.ok(!JSON.stringify(r).includes('sk-resp-secret-31'));
  assert.ok(!JSON.stringify(await alice.client.responses.retrieve(r.id)).includes('sk-resp-secret-31'));
  const stream = await alice.client.responses.create({ model: 'echo', input: 'say sk-resp-secret-31 streamed', stream: true });
  let all = '';
  for await (const e of stream) all += JSON.stringify(e);
  assert.ok(!all.includes('sk-resp-secret-31'));
  assert.equal(dbQuery(server, "SELECT count(*) AS n FROM messages WHERE role = 'assistant' AND content LIKE '%sk-resp-secret-31%'")[0].n, 0);
  const m = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const text = await m.text();
  assert.match(text, /llmmeta_http_requests_total\{route="\/v1\/responses",method="POST",status="200"\} \d+/);
  assert.match(text, /route="\/v1\/responses\/<token>",method="GET"/);
});
