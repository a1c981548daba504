// fake-provider.mjs - a stand-in for an LLM provider, speaking both the OpenAI
// chat-completions API and the Anthropic Messages API, streamed (SSE) or whole,
// including their failures. It records every request it gets, so tests can assert
// exactly what llmmeta sent (model, parameters, headers, messages).
//
// The model name chooses the behaviour:
//   echo (or anything else)  answers "Answer to: <last user message>" in several chunks
//   slow-<ms>                waits <ms> before the first byte (default 2000)
//   held                     waits until the test calls release() (a moment it chooses), then as echo
//   chunky                   writes the stream 1-3 bytes at a time, with pauses
//   drip                     one short piece every 200 ms, 40 pieces (to cancel mid-answer)
//   no-usage                 streams without the usage block
//   fail-500, fail-401       an HTTP error with an error body (401 quotes the key)
//   garbage                  a stream whose events are not JSON
//   garbage-json             200 with a body that is not JSON
//   cut                      the stream stops half-way, without a finish
//   hang                     accepts and never answers
//   html                     an answer with <script>, a javascript: link and Markdown
//   whole                    answers with plain JSON even when asked to stream
//   rate-429                 429 Too Many Requests with Retry-After, as OpenAI's rate limit
//   endless                  a stream that never ends: 64 KiB pieces until the client leaves
//   received                 (OpenAI) answers with the JSON body it received, as text: what passed through
//   tool                     (OpenAI) calls the first tool given (arguments {"city":"Paris"}); once the
//                            conversation ends with a tool's result, answers "Tool said: <result>"
//   bad-400                  (OpenAI) 400 invalid_request_error naming a param, as OpenAI refuses a request
// POST /v1/responses answers as OpenAI's Responses API itself (a provider declared
// responses = native): "Native answer to: <the input's last text>", whole or as the
// Responses events, with the usage, an id resp_native_<n> and the
// previous_response_id it was given.
// POST /v1/embeddings answers as OpenAI's Embeddings API: one deterministic vector per
// input (its values multiples of 1/256, exact as float32, so base64 and float agree),
// of `dimensions` values (default 16), as floats or base64 per encoding_format, with
// usage.prompt_tokens (a word or a token id each); the failing model names above
// (fail-500, fail-401, rate-429, slow-<ms>, held, hang, garbage-json) fail it alike.
// Every OpenAI answer carries system_fingerprint "fp_fake" and, with response_format
// json_object or json_schema, content that is a JSON object ({"answer": ...}).
// On the Anthropic route (/v1/messages) only, which also checks requests as Anthropic
// does and answers tools (see "The Anthropic Messages API" below):
//   overloaded               529 overloaded_error
//   fail-400                 400 invalid_request_error
//   overloaded-stream        an error event (overloaded_error) after the first piece of text
//   parallel                 calls every tool given, unless disable_parallel_tool_use
//
// Standalone: node fake-provider.mjs [--port N]  (prints "fake provider on URL")
import http from 'node:http';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function words(s) {
  return String(s).split(/\s+/).filter(Boolean).length;
}

function answerFor(model, messages) {
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (model === 'html') {
    return 'Here is **bold** and <script>alert("x")</script> and [bad](javascript:alert(1)) and [good](https://example.org/).\n\n```json\n{"a": 1}\n```\n';
  }
  const text = last ? String(last.content) : '';
  return `Answer to: ${text.slice(0, 200)}`;
}

function pieces(text, model) {
  if (model === 'drip') return Array.from({ length: 40 }, (_, i) => `drop${i} `);
  const out = [];
  for (let i = 0; i < text.length; i += 7) out.push(text.slice(i, i + 7));
  return out;
}

async function writeSlowly(res, data, chunky) {
  if (!chunky) return void res.write(data);
  for (let i = 0; i < data.length;) {
    const n = 1 + Math.floor(Math.random() * 3);
    res.write(data.slice(i, i + n));
    i += n;
    await sleep(1);
  }
}

function toolCallFor(body) {
  const name = body.tools?.[0]?.function?.name || 'none';
  return { id: 'call_fake1', type: 'function', function: { name, arguments: JSON.stringify({ city: 'Paris' }) } };
}

async function openai(req, res, body, model) {
  const messages = body.messages || [];
  let answer = answerFor(model, messages);
  const lastMsg = messages[messages.length - 1];
  if (model === 'received') answer = JSON.stringify(body);
  if (model === 'tool' && lastMsg?.role === 'tool') answer = `Tool said: ${lastMsg.content}`;
  if (['json_object', 'json_schema'].includes(body.response_format?.type)) answer = JSON.stringify({ answer });
  const call = model === 'tool' && lastMsg?.role !== 'tool' ? toolCallFor(body) : null;
  if (model === 'bad-400') {
    res.writeHead(400, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ error: { message: "Invalid value for 'tools[0].type'.", type: 'invalid_request_error', param: 'tools[0].type', code: null } }));
  }
  const prompt = messages.reduce((n, m) => n + words(m.content), 0);
  const usage = { prompt_tokens: prompt, completion_tokens: words(answer), total_tokens: prompt + words(answer) };
  const id = 'chatcmpl-fake';
  const reported = `${model}-2026`;
  const fp = { system_fingerprint: 'fp_fake' };
  if (!body.stream || model === 'whole') {
    res.writeHead(200, { 'content-type': 'application/json' });
    const message = call ? { role: 'assistant', content: null, tool_calls: [call] } : { role: 'assistant', content: answer };
    return res.end(JSON.stringify({ id, object: 'chat.completion', created: 1700000000, model: reported, ...fp,
      choices: [{ index: 0, message, logprobs: null, finish_reason: call ? 'tool_calls' : 'stop' }], usage }));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunky = model === 'chunky';
  const send = (obj) => writeSlowly(res, `data: ${JSON.stringify(obj)}\n\n`, chunky);
  await writeSlowly(res, ': keep-alive\n\n', chunky);
  if (call) {
    const args = call.function.arguments;
    await send({ id, object: 'chat.completion.chunk', model: reported, ...fp, choices: [{ index: 0, delta: { role: 'assistant', content: null,
      tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }, finish_reason: null }] });
    for (let i = 0; i < args.length; i += 5) {
      await send({ id, object: 'chat.completion.chunk', model: reported, ...fp,
        choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(i, i + 5) } }] }, finish_reason: null }] });
    }
    await send({ id, object: 'chat.completion.chunk', model: reported, ...fp, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] });
    if (body.stream_options?.include_usage) await send({ id, object: 'chat.completion.chunk', model: reported, ...fp, choices: [], usage });
    await writeSlowly(res, 'data: [DONE]\n\n', chunky);
    return res.end();
  }
  const parts = pieces(answer, model);
  for (let i = 0; i < parts.length; i++) {
    if (model === 'cut' && i === Math.floor(parts.length / 2)) return res.destroy();
    if (model === 'drip') await sleep(200);
    if (res.destroyed) return;
    await send({ id, object: 'chat.completion.chunk', model: reported, ...fp,
      choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: parts[i] } : { content: parts[i] }, finish_reason: null }] });
  }
  await send({ id, object: 'chat.completion.chunk', model: reported, ...fp, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
  if (body.stream_options?.include_usage && model !== 'no-usage') {
    await send({ id, object: 'chat.completion.chunk', model: reported, ...fp, choices: [], usage });
  }
  await writeSlowly(res, 'data: [DONE]\n\n', chunky);
  res.end();
}

// ---- The Anthropic Messages API (/v1/messages) -------------------------------------
// As Anthropic behaves, so that a translation to it is tested against the same rules:
// the anthropic-version header, max_tokens required, a top-level system (no system
// role), user/assistant roles only, non-empty text blocks, a tool_result for every
// tool_use of the turn before (and none without), tools with an input_schema, no
// unknown fields, temperature 0-1; each refusal a 400 invalid_request_error in
// Anthropic's error shape. Answers stop at the first stop sequence (stop_reason
// stop_sequence) or at max_tokens words (max_tokens). Given tools (and tool_choice not
// none), the fake always calls one (tool_choice's, else the first; every tool for the
// model "parallel" unless disable_parallel_tool_use), after a short text; given tool
// results, it answers "Tool results: <their text>". Streams send Anthropic's events in
// its order: message_start, then per block content_block_start (a ping after the
// first), deltas (input_json_delta for tool input, in pieces), content_block_stop,
// then message_delta and message_stop.
// Models with Anthropic-only behaviour: overloaded (529 overloaded_error),
// fail-400 (400 invalid_request_error), overloaded-stream (an error event mid-stream).
const ANTHROPIC_FIELDS = new Set(['model', 'messages', 'max_tokens', 'system', 'stop_sequences', 'stream',
  'temperature', 'top_p', 'top_k', 'metadata', 'tools', 'tool_choice', 'thinking', 'service_tier']);

function anthropicError(res, status, type, message, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ type: 'error', error: { type, message }, request_id: 'req_fake' }));
}

// The text of a content (a string or blocks), tool results' content included.
function anthropicText(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? anthropicText(b.content ?? '') : ''))
    .filter(Boolean).join(' ');
}

// Why Anthropic would refuse this body (a message as Anthropic words it), or null.
function anthropicInvalid(req, body) {
  if (!req.headers['anthropic-version']) return 'anthropic-version: header is required';
  if ('unparsable' in body) return 'There was an issue with the JSON in your request body';
  for (const k of Object.keys(body)) if (!ANTHROPIC_FIELDS.has(k)) return `${k}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string') return 'model: Field required';
  if (body.max_tokens === undefined) return 'max_tokens: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Input should be a valid positive integer';
  if (body.temperature !== undefined && !(body.temperature >= 0 && body.temperature <= 1)) return 'temperature: Input should be less than or equal to 1';
  if (body.system !== undefined && typeof body.system !== 'string' &&
      !(Array.isArray(body.system) && body.system.every((b) => b.type === 'text' && b.text))) return 'system: Input should be a valid string or list of text blocks';
  if (body.stop_sequences !== undefined && !(Array.isArray(body.stop_sequences) && body.stop_sequences.every((s) => typeof s === 'string' && s.trim()))) {
    return 'stop_sequences: each stop sequence must be a string with non-whitespace characters';
  }
  if (body.metadata !== undefined && Object.keys(body.metadata).some((k) => k !== 'user_id')) return 'metadata: Extra inputs are not permitted';
  const tools = body.tools ?? [];
  for (const [i, t] of tools.entries()) {
    if (typeof t.name !== 'string') return `tools.${i}.name: Field required`;
    if (t.input_schema?.type !== 'object') return `tools.${i}.input_schema: Input should be a JSON Schema of type object`;
  }
  const tc = body.tool_choice;
  if (tc !== undefined) {
    if (!['auto', 'any', 'tool', 'none'].includes(tc.type)) return "tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'";
    if (tc.type === 'tool' && !tools.some((t) => t.name === tc.name)) return `tool_choice.name: no tool named ${tc.name}`;
    if (!tools.length && tc.type !== 'none') return 'tool_choice: may only be specified while providing tools';
  }
  const msgs = body.messages;
  if (!Array.isArray(msgs) || !msgs.length) return 'messages: at least one message is required';
  let pendingToolUses = [];
  for (const [i, m] of msgs.entries()) {
    if (m.role === 'system') return 'messages: Unexpected role "system". The Messages API accepts a top-level `system` parameter, not "system" as an input message role.';
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const blocks = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content;
    if (!Array.isArray(blocks) || !blocks.length) return `messages.${i}.content: Input should be a valid string or a non-empty list`;
    for (const [j, b] of blocks.entries()) {
      if (b.type === 'text' && !b.text) return 'messages: text content blocks must be non-empty';
      if (b.type === 'tool_use' && (m.role !== 'assistant' || !b.id || typeof b.input !== 'object')) return `messages.${i}.content.${j}: tool_use needs an assistant turn, an id and an input object`;
      if (b.type === 'tool_result' && m.role !== 'user') return `messages.${i}.content.${j}: tool_result blocks belong in user turns`;
      if (b.type === 'image' && !(b.source?.type === 'base64' && b.source.media_type && b.source.data) && !(b.source?.type === 'url' && b.source.url)) {
        return `messages.${i}.content.${j}.source: an image needs a base64 or url source`;
      }
      if (!['text', 'image', 'tool_use', 'tool_result'].includes(b.type)) return `messages.${i}.content.${j}.type: unknown block type ${b.type}`;
    }
    const results = blocks.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id);
    for (const id of results) {
      if (!pendingToolUses.includes(id)) return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    const missing = pendingToolUses.filter((id) => !results.includes(id));
    if (missing.length) return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}`;
    if (results.length && blocks.findIndex((b) => b.type !== 'tool_result') >= 0 &&
        blocks.findIndex((b) => b.type !== 'tool_result') < blocks.findLastIndex((b) => b.type === 'tool_result')) {
      return `messages.${i}.content: tool_result blocks must come first`;
    }
    pendingToolUses = m.role === 'assistant' ? blocks.filter((b) => b.type === 'tool_use').map((b) => b.id) : [];
  }
  return null;
}

// A value of a JSON Schema's type, for the fake's tool inputs.
function fakeValue(schema, name) {
  switch (schema?.type) {
    case 'number': case 'integer': return 1;
    case 'boolean': return true;
    case 'array': return [];
    case 'object': return {};
    default: return `fake-${name}`;
  }
}

// The blocks of the answer, its stop reason and stop sequence.
function anthropicAnswer(body, model) {
  const msgs = body.messages;
  const last = msgs.at(-1);
  const results = Array.isArray(last.content) ? last.content.filter((b) => b.type === 'tool_result') : [];
  const tools = body.tools ?? [];
  const choice = body.tool_choice ?? { type: 'auto' };
  if (last.role === 'user' && !results.length && tools.length && choice.type !== 'none') {
    let called = choice.type === 'tool' ? tools.filter((t) => t.name === choice.name) : [tools[0]];
    if (model === 'parallel' && choice.type !== 'tool' && !choice.disable_parallel_tool_use) called = tools;
    const blocks = [{ type: 'text', text: `Calling ${called.map((t) => t.name).join(', ')}.` }];
    called.forEach((t, i) => {
      const input = Object.fromEntries(Object.entries(t.input_schema.properties ?? {}).map(([k, v]) => [k, fakeValue(v, k)]));
      blocks.push({ type: 'tool_use', id: `toolu_fake${i + 1}`, name: t.name, input });
    });
    return { blocks, stop_reason: 'tool_use', stop_sequence: null };
  }
  let text = results.length ? `Tool results: ${results.map((b) => anthropicText(b.content ?? '')).join('; ')}`
    : answerFor(model, msgs.map((m) => ({ role: m.role, content: anthropicText(m.content) })));
  let stop_reason = 'end_turn', stop_sequence = null;
  let cut = -1;
  for (const s of body.stop_sequences ?? []) {
    const at = text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) { cut = at; stop_sequence = s; }
  }
  if (cut >= 0) { text = text.slice(0, cut); stop_reason = 'stop_sequence'; }
  const w = text.split(/(\s+)/);
  if (words(text) > body.max_tokens) {
    let n = 0, i = 0;
    for (; i < w.length && n < body.max_tokens; i++) if (w[i].trim()) n++;
    text = w.slice(0, i).join('');
    stop_reason = 'max_tokens';
    stop_sequence = null;
  }
  return { blocks: text ? [{ type: 'text', text }] : [], stop_reason, stop_sequence };
}

async function anthropic(req, res, body, model, key) {
  // Failures first, each in Anthropic's shape.
  if (model === 'fail-500') return anthropicError(res, 500, 'api_error', 'internal failure in the fake model');
  if (model === 'fail-401') return anthropicError(res, 401, 'authentication_error', `invalid x-api-key: ${key}`);
  if (model === 'fail-400') return anthropicError(res, 400, 'invalid_request_error', 'fake: this model refuses every request');
  if (model === 'overloaded') return anthropicError(res, 529, 'overloaded_error', 'Overloaded');
  if (model === 'rate-429') {
    return anthropicError(res, 429, 'rate_limit_error', 'This request would exceed the rate limit for your organization', { 'retry-after': '20' });
  }
  if (model === 'garbage-json') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end('<html>Bad gateway</html>');
  }
  if (model === 'garbage') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    return res.end('event: message_start\r\ndata: {this is not json\r\n\r\n');
  }
  const invalid = anthropicInvalid(req, body);
  if (invalid) return anthropicError(res, 400, 'invalid_request_error', invalid);

  const { blocks, stop_reason, stop_sequence } = anthropicAnswer(body, model);
  const input = body.messages.reduce((n, m) => n + words(anthropicText(m.content)), 0) +
    words(typeof body.system === 'string' ? body.system : anthropicText(body.system ?? []));
  const output = blocks.reduce((n, b) => n + (b.type === 'text' ? words(b.text) : words(JSON.stringify(b.input))), 0);
  const reported = `${model}-2026`;
  const usage = model === 'no-usage' ? {} : { input_tokens: input, output_tokens: output };
  if (!body.stream || model === 'whole') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ id: 'msg_fake', type: 'message', role: 'assistant', model: reported,
      content: blocks, stop_reason, stop_sequence, usage }));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunky = model === 'chunky';
  const ev = (type, obj) => writeSlowly(res, `event: ${type}\r\ndata: ${JSON.stringify({ type, ...obj })}\r\n\r\n`, chunky);
  await ev('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', model: reported, content: [],
    stop_reason: null, stop_sequence: null, usage: model === 'no-usage' ? {} : { input_tokens: input, output_tokens: 1 } } });
  if (model === 'endless') {
    await ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const piece = `event: content_block_delta\r\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(65536) } })}\r\n\r\n`;
    while (!res.destroyed) {
      if (!res.write(piece)) {
        await new Promise((r) => {
          const done = () => { res.off('drain', done); res.off('close', done); r(); };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    return;
  }
  if (!blocks.length) blocks.push({ type: 'text', text: '' }); // Anthropic still opens a block
  for (const [index, b] of blocks.entries()) {
    await ev('content_block_start', { index, content_block: b.type === 'text' ? { type: 'text', text: '' } : { ...b, input: {} } });
    if (index === 0) await ev('ping', {});
    if (b.type === 'text') {
      const parts = pieces(b.text, model);
      for (let i = 0; i < parts.length; i++) {
        if (model === 'cut' && i === Math.floor(parts.length / 2)) return res.destroy();
        if (model === 'drip') await sleep(200);
        if (res.destroyed) return;
        await ev('content_block_delta', { index, delta: { type: 'text_delta', text: parts[i] } });
        if (model === 'overloaded-stream') {
          return res.end(`event: error\r\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\r\n\r\n`);
        }
      }
    } else {
      // Anthropic starts a tool's input with an empty fragment, then splits the JSON
      // anywhere, mid-string included.
      const json = JSON.stringify(b.input);
      await ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (let i = 0; i < json.length; i += 5) {
        await ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(i, i + 5) } });
      }
    }
    await ev('content_block_stop', { index });
  }
  await ev('message_delta', { delta: { stop_reason, stop_sequence }, usage: model === 'no-usage' ? {} : { output_tokens: output } });
  await ev('message_stop', {});
  res.end();
}
// ---- end of the Anthropic Messages API ---------------------------------------------

// One input's vector: from a hash of its JSON, each value k/256 in [-1, 1).
export function fakeEmbedding(input, dims = 16) {
  let h = 2166136261;
  for (const ch of JSON.stringify(input)) h = Math.imul(h ^ ch.codePointAt(0), 16777619) >>> 0;
  return Array.from({ length: dims }, (_, i) => ((((h >>> (i % 24)) + i * 37) % 512) - 256) / 256);
}

let nativeCount = 0;
function responsesNative(res, body, model) {
  const input = body.input;
  const last = typeof input === 'string' ? input
    : [...input].reverse().map((it) => (typeof it.content === 'string' ? it.content : it.content?.map((p) => p.text).join('') ?? it.output)).find(Boolean);
  const text = `Native answer to: ${last}`;
  const id = `resp_native_${++nativeCount}`;
  const item = { id: `msg_native_${nativeCount}`, type: 'message', status: 'completed', role: 'assistant',
    content: [{ type: 'output_text', text, annotations: [] }] };
  const base = { id, object: 'response', created_at: 1700000000, model: `${model}-2026`, output: [],
    previous_response_id: body.previous_response_id ?? null, usage: null, status: 'in_progress' };
  const usage = { input_tokens: words(last), output_tokens: words(text), total_tokens: words(last) + words(text) };
  const done = { ...base, status: 'completed', output: [item], usage };
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(done));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  let seq = 0;
  const send = (type, obj) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...obj })}\n\n`);
  send('response.created', { response: base });
  send('response.in_progress', { response: base });
  send('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
  send('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
  for (const piece of pieces(text, model)) send('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: piece });
  send('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text });
  send('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: item.content[0] });
  send('response.output_item.done', { output_index: 0, item });
  send('response.completed', { response: done });
  res.end();
}

function embeddings(res, body) {
  const input = body.input;
  const list = typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'number') ? [input] : input;
  const data = list.map((one, index) => {
    const v = fakeEmbedding(one, body.dimensions || 16);
    const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v;
    return { object: 'embedding', index, embedding };
  });
  const tokens = list.reduce((n, one) => n + (typeof one === 'string' ? words(one) : one.length), 0);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
}

export async function startFakeProvider({ port = 0, models = ['echo', 'chunky', 'html'] } = {}) {
  const held = {};
  held.promise = new Promise((resolve) => { held.resolve = resolve; });
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/v1/models' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ object: 'list', data: models.map((id) => ({ id, object: 'model' })) }));
    }
    let body = {};
    try { body = raw ? JSON.parse(raw) : {}; } catch { body = { unparsable: raw }; }
    requests.push({ method: req.method, url: req.url, headers: req.headers, body, raw });
    const model = String(body.model || '');
    const key = req.headers['x-api-key'] || (req.headers.authorization || '').replace(/^Bearer /, '');
    if (model.startsWith('slow')) await sleep(Number(model.split('-')[1] || 2000));
    if (model === 'held') await held.promise;
    if (model === 'hang') return; // never answers
    // Anthropic's route answers its failures in its own shape (see the Anthropic part).
    if (req.url === '/v1/messages') return anthropic(req, res, body, model, key);
    if (req.url === '/v1/responses') return responsesNative(res, body, model);
    if (model === 'fail-500') {
      res.writeHead(500, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: 'internal failure in the fake model', type: 'server_error' } }));
    }
    if (model === 'fail-401') {
      res.writeHead(401, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${key}`, type: 'invalid_request_error' } }));
    }
    if (model === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      return res.end('data: {this is not json\n\ndata: [DONE]\n\n');
    }
    if (model === 'rate-429') {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '20' });
      return res.end(JSON.stringify({ error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } }));
    }
    if (model === 'endless') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = `data: ${JSON.stringify({ id: 'e', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta: { content: 'x'.repeat(65536) } }] })}\n\n`;
      let open = true;
      res.on('close', () => { open = false; });
      while (open && !res.destroyed) {
        if (!res.write(piece)) {
          await new Promise((r) => {
            const done = () => { res.off('drain', done); res.off('close', done); r(); };
            res.on('drain', done);
            res.on('close', done);
          });
        }
      }
      return;
    }
    if (model === 'garbage-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('<html>Bad gateway</html>');
    }
    if (req.url === '/v1/chat/completions') return openai(req, res, body, model);
    if (req.url === '/v1/embeddings' && req.method === 'POST') return embeddings(res, body);
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
  });
  server.keepAliveTimeout = 60000;
  server.headersTimeout = 65000;
  server.maxRequestsPerSocket = 0;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/v1`;
  return {
    url,
    requests,
    release: () => held.resolve(),
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const fake = await startFakeProvider({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`fake provider on ${fake.url}`);
}
