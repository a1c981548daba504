// fake-anthropic.test.mjs - the Anthropic side of the fake provider (tests/lib/fake-provider.mjs)
// behaves as Anthropic's Messages API does, so that tests of the OpenAI->Anthropic
// translation (docs/api-anthropic.md) can trust it: requests refused for the reasons
// Anthropic refuses them, in Anthropic's error shape; tool use and tool results;
// stop sequences and max_tokens; streams in Anthropic's event order with a ping;
// overloaded (529) and a mid-stream error event. No llmmeta here: this checks the fake.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeProvider } from '../lib/fake-provider.mjs';

let fake;
before(async () => { fake = await startFakeProvider(); });
after(async () => { await fake?.close(); });

const HEADERS = { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'k' };
const post = (body, headers = HEADERS) => fetch(`${fake.url}/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
const base = { model: 'echo', max_tokens: 100, messages: [{ role: 'user', content: 'Hi there' }] };
const WEATHER = { name: 'get_weather', description: 'Weather now', input_schema: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } } };
const NOW = { name: 'now', input_schema: { type: 'object', properties: {} } };

// The events of an SSE body, as [type, data].
async function events(r) {
  const text = await r.text();
  return text.split('\r\n\r\n').filter(Boolean).map((e) => {
    const type = /^event: (.*)$/m.exec(e)[1];
    const data = JSON.parse(/^data: (.*)$/m.exec(e)[1]);
    assert.equal(data.type, type, 'the data names its event');
    return [type, data];
  });
}

test('requests Anthropic refuses are 400 invalid_request_error in its shape', async () => {
  const cases = [
    [{ ...base, max_tokens: undefined }, /^max_tokens: Field required$/],
    [{ ...base, max_tokens: 0 }, /^max_tokens/],
    [{ ...base, messages: [{ role: 'system', content: 'x' }, ...base.messages] }, /Unexpected role "system"/],
    [{ ...base, messages: [{ role: 'tool', content: 'x' }] }, /^messages\.0\.role/],
    [{ ...base, messages: [{ role: 'user', content: '' }] }, /text content blocks must be non-empty/],
    [{ ...base, messages: [] }, /^messages/],
    [{ ...base, temperature: 1.5 }, /^temperature/],
    [{ ...base, n: 2 }, /^n: Extra inputs are not permitted$/],
    [{ ...base, tools: [{ name: 'f' }] }, /^tools\.0\.input_schema/],
    [{ ...base, tools: [NOW], tool_choice: { type: 'tool', name: 'nope' } }, /^tool_choice\.name/],
    [{ ...base, tool_choice: { type: 'any' } }, /^tool_choice/],
    [{ ...base, stop_sequences: [' '] }, /^stop_sequences/],
    // A tool_result without its tool_use, and a tool_use left without a result.
    [{ ...base, tools: [NOW], messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'r' }] }] }, /unexpected `tool_use_id`/],
    [{ ...base, tools: [NOW], messages: [...base.messages, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'now', input: {} }] }, { role: 'user', content: 'and?' }] }, /without `tool_result`/],
    // Tool results must come first in their turn.
    [{ ...base, tools: [NOW], messages: [...base.messages, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'now', input: {} }] },
      { role: 'user', content: [{ type: 'text', text: 'first' }, { type: 'tool_result', tool_use_id: 't1' }] }] }, /must come first/],
  ];
  for (const [body, re] of cases) {
    const r = await post(body);
    assert.equal(r.status, 400, JSON.stringify(body));
    const j = await r.json();
    assert.equal(j.type, 'error');
    assert.equal(j.error.type, 'invalid_request_error');
    assert.match(j.error.message, re);
  }
  const r = await post(base, { 'content-type': 'application/json' });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, /anthropic-version/);
});

test('failures in Anthropic shape: 529 overloaded, 400, 429 with Retry-After, 401 quoting the key', async () => {
  for (const [model, status, type] of [['overloaded', 529, 'overloaded_error'], ['fail-400', 400, 'invalid_request_error'],
    ['rate-429', 429, 'rate_limit_error'], ['fail-401', 401, 'authentication_error'], ['fail-500', 500, 'api_error']]) {
    const r = await post({ ...base, model });
    assert.equal(r.status, status, model);
    const j = await r.json();
    assert.deepEqual(Object.keys(j).sort(), ['error', 'request_id', 'type']);
    assert.equal(j.error.type, type);
    if (model === 'rate-429') assert.equal(r.headers.get('retry-after'), '20');
    if (model === 'fail-401') assert.match(j.error.message, /: k$/);
  }
});

test('whole answers: text, system counted, stop sequences, max_tokens', async () => {
  let r = await post({ ...base, system: 'Be brief', stream: false });
  let j = await r.json();
  assert.deepEqual(j.content, [{ type: 'text', text: 'Answer to: Hi there' }]);
  assert.equal(j.stop_reason, 'end_turn');
  assert.deepEqual(j.usage, { input_tokens: 4, output_tokens: 4 });
  r = await post({ ...base, stop_sequences: ['XX', 'to:'] });
  j = await r.json();
  assert.deepEqual(j.content, [{ type: 'text', text: 'Answer ' }]);
  assert.equal(j.stop_reason, 'stop_sequence');
  assert.equal(j.stop_sequence, 'to:');
  r = await post({ ...base, max_tokens: 2 });
  j = await r.json();
  assert.deepEqual(j.content, [{ type: 'text', text: 'Answer to:' }]);
  assert.equal(j.stop_reason, 'max_tokens');
  // As many words as the answer has: not cut.
  j = await (await post({ ...base, max_tokens: 4 })).json();
  assert.equal(j.stop_reason, 'end_turn');
});

test('tools: a call, then the result answered; tool_choice none; parallel calls', async () => {
  let j = await (await post({ ...base, tools: [WEATHER, NOW] })).json();
  assert.equal(j.stop_reason, 'tool_use');
  assert.deepEqual(j.content, [{ type: 'text', text: 'Calling get_weather.' },
    { type: 'tool_use', id: 'toolu_fake1', name: 'get_weather', input: { city: 'fake-city', days: 1 } }]);
  const round = { ...base, tools: [WEATHER, NOW], messages: [...base.messages, { role: 'assistant', content: j.content },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_fake1', content: '18 C' }, { type: 'text', text: 'thanks' }] }] };
  j = await (await post(round)).json();
  assert.deepEqual(j.content, [{ type: 'text', text: 'Tool results: 18 C' }]);
  assert.equal(j.stop_reason, 'end_turn');
  j = await (await post({ ...base, tools: [WEATHER], tool_choice: { type: 'none' } })).json();
  assert.equal(j.stop_reason, 'end_turn');
  j = await (await post({ ...base, tools: [WEATHER, NOW], tool_choice: { type: 'tool', name: 'now' } })).json();
  assert.deepEqual(j.content.slice(1), [{ type: 'tool_use', id: 'toolu_fake1', name: 'now', input: {} }]);
  j = await (await post({ ...base, model: 'parallel', tools: [WEATHER, NOW] })).json();
  assert.deepEqual(j.content.filter((b) => b.type === 'tool_use').map((b) => b.name), ['get_weather', 'now']);
  j = await (await post({ ...base, model: 'parallel', tools: [WEATHER, NOW], tool_choice: { type: 'any', disable_parallel_tool_use: true } })).json();
  assert.deepEqual(j.content.filter((b) => b.type === 'tool_use').map((b) => b.name), ['get_weather']);
});

test('streams in Anthropic order, tool input in JSON pieces, a ping after the first block start', async () => {
  const evs = await events(await post({ ...base, stream: true, tools: [WEATHER] }));
  assert.deepEqual(evs.map(([t]) => t).filter((t, i, a) => t !== a[i - 1]), ['message_start', 'content_block_start', 'ping',
    'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_stop',
    'message_delta', 'message_stop']);
  const start = evs[0][1];
  assert.deepEqual(start.message.content, []);
  assert.equal(start.message.stop_reason, null);
  const tool = evs.find(([t, d]) => t === 'content_block_start' && d.index === 1)[1];
  assert.deepEqual(tool.content_block, { type: 'tool_use', id: 'toolu_fake1', name: 'get_weather', input: {} });
  const parts = evs.filter(([t, d]) => t === 'content_block_delta' && d.index === 1).map(([, d]) => d.delta.partial_json);
  assert.equal(parts[0], '', 'the input starts with an empty fragment');
  assert.ok(parts.length > 3, 'the input comes in pieces');
  assert.deepEqual(JSON.parse(parts.join('')), { city: 'fake-city', days: 1 });
  const md = evs.find(([t]) => t === 'message_delta')[1];
  assert.deepEqual(md.delta, { stop_reason: 'tool_use', stop_sequence: null });
  assert.ok(md.usage.output_tokens > 0);
});

test('a stream cut by an error event after the first piece of text', async () => {
  const evs = await events(await post({ ...base, model: 'overloaded-stream', stream: true }));
  assert.deepEqual(evs.map(([t]) => t), ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'error']);
  assert.deepEqual(evs.at(-1)[1].error, { type: 'overloaded_error', message: 'Overloaded' });
});
