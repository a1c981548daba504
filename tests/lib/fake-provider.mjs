// fake-provider.mjs - a stand-in for an LLM provider, speaking both the OpenAI
// chat-completions API and the Anthropic Messages API, streamed (SSE) or whole,
// including their failures. It records every request it gets, so tests can assert
// exactly what llmmeta sent (model, parameters, headers, messages).
//
// The model name chooses the behaviour:
//   echo (or anything else)  answers "Answer to: <last user message>" in several chunks
//   slow-<ms>                waits <ms> before the first byte (default 2000)
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
// Every OpenAI answer carries system_fingerprint "fp_fake" and, with response_format
// json_object or json_schema, content that is a JSON object ({"answer": ...}).
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

async function anthropic(req, res, body, model) {
  const messages = body.messages || [];
  const answer = answerFor(model, messages);
  const input = messages.reduce((n, m) => n + words(m.content), 0) + words(body.system || '');
  const reported = `${model}-2026`;
  if (!body.stream || model === 'whole') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ id: 'msg_fake', type: 'message', role: 'assistant', model: reported,
      content: [{ type: 'text', text: answer }], stop_reason: 'end_turn',
      usage: { input_tokens: input, output_tokens: words(answer) } }));
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const chunky = model === 'chunky';
  const ev = (type, obj) => writeSlowly(res, `event: ${type}\r\ndata: ${JSON.stringify({ type, ...obj })}\r\n\r\n`, chunky);
  await ev('message_start', { message: { id: 'msg_fake', type: 'message', role: 'assistant', model: reported, content: [],
    usage: model === 'no-usage' ? {} : { input_tokens: input, output_tokens: 1 } } });
  await ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
  await ev('ping', {});
  const parts = pieces(answer, model);
  for (let i = 0; i < parts.length; i++) {
    if (model === 'cut' && i === Math.floor(parts.length / 2)) return res.destroy();
    if (model === 'drip') await sleep(200);
    if (res.destroyed) return;
    await ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: parts[i] } });
  }
  await ev('content_block_stop', { index: 0 });
  await ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: model === 'no-usage' ? {} : { output_tokens: words(answer) } });
  await ev('message_stop', {});
  res.end();
}

export async function startFakeProvider({ port = 0, models = ['echo', 'chunky', 'html'] } = {}) {
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
    requests.push({ method: req.method, url: req.url, headers: req.headers, body });
    const model = String(body.model || '');
    const key = req.headers['x-api-key'] || (req.headers.authorization || '').replace(/^Bearer /, '');
    if (model.startsWith('slow')) await sleep(Number(model.split('-')[1] || 2000));
    if (model === 'hang') return; // never answers
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
    if (req.url === '/v1/messages') return anthropic(req, res, body, model);
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
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const fake = await startFakeProvider({ port: i > 0 ? Number(process.argv[i + 1]) : 0 });
  console.log(`fake provider on ${fake.url}`);
}
