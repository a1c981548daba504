// metrics.test.mjs - GET /metrics (docs/metrics.md): who may read it (an admin
// session, or the METRICS_TOKEN bearer; 404 for everyone else without a token, 401
// with one), that promtool accepts what it writes, that its counters move with the
// calls made through the web form (ok, error, timeout, cancelled, tokens, the
// histograms' counts), requests under their route pattern and unknown paths under
// "unmatched", database errors counted, and that nothing a client sends - a path, a
// model name, an id - becomes a label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  startServer, runCli, createUser, dbExec, failingInsertSql, dropFailingInsertSql, Client, getCsrf, multipart, sleep,
} from '../lib/server.mjs';
import { signedUpClient, login, newUser } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const TOKEN = 'metrics-token-0123456789-abcdef';
const PROMTOOL = '/usr/bin/promtool';
let fake, open, tok, alice;

/** A logged-in administrator's client on server s. */
async function adminClient(s) {
  const u = newUser('admin');
  const r = await createUser(s, { ...u, admin: true });
  assert.equal(r.code, 0, r.stderr);
  const c = new Client(s.url);
  assert.equal((await login(c, u.username, u.password)).status, 302);
  return c;
}

before(async () => {
  fake = await startFakeProvider();
  const provider = { LLM_API_URL: fake.url, LLM_MODELS: 'echo,fail-500,hang,drip', LLM_FIRST_TOKEN_TIMEOUT: '1' };
  [open, tok] = await Promise.all([
    startServer({ env: provider }),
    startServer({ env: { ...provider, METRICS_TOKEN: TOKEN } }),
  ]);
  alice = await signedUpClient(tok.url, 'alice');
});

after(async () => {
  await open?.stop();
  await tok?.stop();
  await fake?.close();
});

const scrape = (s, headers = {}) => fetch(`${s.url}/metrics`, { headers });
const bearer = (t) => ({ Authorization: `Bearer ${t}` });

async function metricsText() {
  const r = await scrape(tok, bearer(TOKEN));
  assert.equal(r.status, 200);
  return r.text();
}

/** The samples of an exposition, by series as written ("name{labels}" -> value). */
function parse(text) {
  const m = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

async function samples() { return parse(await metricsText()); }
const v = (m, series) => m.get(series) ?? 0; // a series appears once it has counted something

/** Asks through the web form, as a browser without JavaScript (303 when answered). */
async function ask(model, question = 'How are metrics named?') {
  const page = await alice.client.get('/ask/');
  return alice.client.postMultipart('/ask/', { csrf_token: getCsrf(page.text), question, model });
}

const calls = (model, outcome) => `llmmeta_llm_calls_total{provider="default",model="${model}",outcome="${outcome}"}`;

test('without METRICS_TOKEN, /metrics is 404 to everyone but an admin session', async () => {
  assert.equal((await scrape(open)).status, 404);
  assert.equal((await scrape(open, bearer(TOKEN))).status, 404, 'no token is configured: no bearer works');
  assert.equal((await scrape(open, bearer(''))).status, 404);
  const user = await signedUpClient(open.url, 'plain');
  assert.equal((await user.client.get('/metrics')).status, 404, 'a logged-in user who is not an admin');
  const admin = await adminClient(open);
  const r = await admin.get('/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  assert.match(r.text, /^# HELP llmmeta_http_requests_total /m);
  assert.match(r.text, /^llmmeta_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
});

test('with METRICS_TOKEN, the bearer token or an admin session reads it; anything else is 401', async () => {
  const none = await scrape(tok);
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate'), /^Bearer/);
  assert.ok(!(await none.text()).includes('llmmeta_http'), 'no metrics in the refusal');
  for (const wrong of [TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase(), '', `${TOKEN},${TOKEN}`]) {
    assert.equal((await scrape(tok, bearer(wrong))).status, 401, `token "${wrong}"`);
  }
  assert.equal((await scrape(tok, { Authorization: `Basic ${TOKEN}` })).status, 401, 'only the Bearer scheme');
  assert.equal((await alice.client.get('/metrics')).status, 401, 'a logged-in user who is not an admin');
  const ok = await scrape(tok, bearer(TOKEN));
  assert.equal(ok.status, 200);
  assert.match(await ok.text(), /^llmmeta_llm_calls_in_flight \d+$/m);
  assert.equal((await scrape(tok, { Authorization: `bearer ${TOKEN}` })).status, 200, 'the scheme is case-insensitive');
  const admin = await adminClient(tok);
  assert.equal((await admin.get('/metrics')).status, 200, 'an admin needs no token');
});

test('a METRICS_TOKEN too short or with spaces stops start-up, naming the variable', async () => {
  for (const bad of ['short-token', 'has a space in the middle']) {
    const r = await runCli(['serve'], { env: { DATABASE_URL: tok.env.DATABASE_URL, METRICS_TOKEN: bad } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^llmmeta: METRICS_TOKEN: /m);
    assert.ok(!r.stderr.includes(bad), 'the value is not echoed');
  }
  const r = await runCli(['migrate'], { env: { DATABASE_URL: tok.env.DATABASE_URL, METRICS_TOKEN: 'x'.repeat(16) } });
  assert.equal(r.code, 0, 'sixteen characters are enough');
});

test('a call through the web form moves the call, token and histogram counters', async () => {
  const before = await samples();
  const r = await ask('echo', 'one two three four five');
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const after = await samples();
  assert.equal(v(after, calls('echo', 'ok')) - v(before, calls('echo', 'ok')), 1);
  // The fake counts words: 5 in the question, "Answer to: ..." 7 out.
  const tokens = (d) => `llmmeta_llm_tokens_total{provider="default",model="echo",direction="${d}"}`;
  assert.equal(v(after, tokens('in')) - v(before, tokens('in')), 5);
  assert.equal(v(after, tokens('out')) - v(before, tokens('out')), 7);
  for (const h of ['llmmeta_llm_time_to_first_token_seconds', 'llmmeta_llm_duration_seconds']) {
    const count = `${h}_count{provider="default",model="echo"}`;
    assert.equal(v(after, count) - v(before, count), 1, count);
    assert.equal(v(after, `${h}_bucket{provider="default",model="echo",le="+Inf"}`), v(after, count));
    assert.ok(v(after, `${h}_sum{provider="default",model="echo"}`) > 0);
  }
  // A request is counted when libmicrohttpd reports it finished, just after its last
  // byte went out: the client may scrape first, so wait (bounded) for the count.
  const route = 'llmmeta_http_requests_total{route="/ask/",method="POST",status="303"}';
  let later = after;
  for (let i = 0; i < 100 && v(later, route) - v(before, route) < 1; i++) later = await sleep(50).then(samples);
  assert.equal(v(later, route) - v(before, route), 1);
  assert.equal(v(after, 'llmmeta_llm_calls_in_flight'), 0);
  assert.ok(v(after, 'llmmeta_http_connections') >= 1, 'the scrape\'s own connection is open');
});

test('a provider error counts as outcome="error", a first-token timeout as "timeout"', async () => {
  const before = await samples();
  assert.equal((await ask('fail-500')).status, 303);
  assert.equal((await ask('hang')).status, 303);
  const after = await samples();
  assert.equal(v(after, calls('fail-500', 'error')) - v(before, calls('fail-500', 'error')), 1);
  assert.equal(v(after, calls('fail-500', 'ok')), 0);
  assert.equal(v(after, calls('hang', 'timeout')) - v(before, calls('hang', 'timeout')), 1);
  assert.equal(v(after, calls('hang', 'error')), 0);
  const dur = 'llmmeta_llm_duration_seconds_count{provider="default",model="hang"}';
  assert.equal(v(after, dur) - v(before, dur), 1, 'a failed call still has a duration');
  assert.equal(v(after, 'llmmeta_llm_time_to_first_token_seconds_count{provider="default",model="hang"}'), 0,
    'no first token, no observation');
});

test('a browser that goes away mid-answer counts as outcome="cancelled"', async () => {
  const before = await samples();
  const page = await alice.client.get('/ask/');
  const csrf_token = getCsrf(page.text);
  const { body, contentType } = multipart({ csrf_token, question: 'drip slowly', model: 'drip' });
  const ctl = new AbortController();
  const res = await fetch(`${tok.url}/ask/`, {
    method: 'POST', body, signal: ctl.signal,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  const reader = res.body.getReader();
  let text = '';
  while (!text.includes('"delta"')) text += new TextDecoder().decode((await reader.read()).value);
  const mid = await samples();
  assert.equal(v(mid, 'llmmeta_llm_calls_in_flight'), 1, 'the call is in flight');
  ctl.abort();
  let after = mid;
  for (let i = 0; i < 200 && v(after, calls('drip', 'cancelled')) === v(before, calls('drip', 'cancelled')); i++) {
    await sleep(100);
    after = await samples();
  }
  assert.equal(v(after, calls('drip', 'cancelled')) - v(before, calls('drip', 'cancelled')), 1);
  assert.equal(v(after, 'llmmeta_llm_calls_in_flight'), 0);
  const aborted = 'llmmeta_http_requests_total{route="/ask/",method="POST",status="aborted"}';
  assert.equal(v(after, aborted) - v(before, aborted), 1, 'the request that was not answered whole');
});

test('requests count under their route pattern, unknown paths under "unmatched", nothing sent becomes a label', async () => {
  const before = await samples();
  const uuid = '0b5c3f1e-8d2a-4c6b-9e7f-123456789abc';
  assert.equal((await alice.client.get(`/conversation/${uuid}/`)).status, 404);
  const hostile = '/zz%22%0Ainjected%7Bx%3D%22y%22%7D/';
  assert.equal((await alice.client.get(hostile)).status, 404);
  assert.equal((await alice.client.get('/nope/')).status, 404);
  assert.equal((await alice.client.request('DELETE', '/about/')).status, 405);
  const bad = await ask('not-a-configured-model-q7');
  assert.notEqual(bad.status, 303, 'refused before any call');
  const text = await metricsText();
  const after = parse(text);
  const conv = 'llmmeta_http_requests_total{route="/conversation/<uuid>/",method="GET",status="404"}';
  assert.equal(v(after, conv) - v(before, conv), 1);
  const unmatched = 'llmmeta_http_requests_total{route="unmatched",method="GET",status="404"}';
  assert.equal(v(after, unmatched) - v(before, unmatched), 2);
  const wrongMethod = 'llmmeta_http_requests_total{route="/about/",method="DELETE",status="405"}';
  assert.equal(v(after, wrongMethod) - v(before, wrongMethod), 1, 'a 405 under the pattern of its path');
  for (const sent of [uuid, 'zz', 'injected', 'nope', 'not-a-configured-model-q7', alice.user.username]) {
    assert.ok(!text.includes(sent), `"${sent}" appears in /metrics`);
  }
  // Every route label is a pattern of the route table or "unmatched".
  for (const [, route] of text.matchAll(/route="([^"]*)"/g)) {
    assert.ok(route === 'unmatched' || route.startsWith('/'), route);
    assert.ok(!/[0-9a-f]{8}-/.test(route), route);
  }
});

test('a failed database write counts in llmmeta_db_errors_total', async () => {
  const before = await samples();
  dbExec(tok, failingInsertSql(tok.db.backend, 'messages'));
  try {
    const r = await ask('echo');
    assert.ok(r.status >= 500, `the question could not be stored: ${r.status}`);
  } finally {
    dbExec(tok, dropFailingInsertSql(tok.db.backend, 'messages'));
  }
  const after = await samples();
  assert.ok(v(after, 'llmmeta_db_errors_total') > v(before, 'llmmeta_db_errors_total'));
  assert.equal((await ask('echo')).status, 303, 'and the next write works');
});

test('promtool check metrics accepts the output', async (t) => {
  if (!existsSync(PROMTOOL)) {
    t.skip(`${PROMTOOL} is not installed (Debian's prometheus package; scripts/bootstrap.sh test installs it)`);
    return;
  }
  const text = await metricsText();
  // Every kind of family has samples by now: counters, gauges, histograms with labels.
  assert.match(text, /^llmmeta_llm_duration_seconds_bucket\{/m);
  assert.match(text, /^llmmeta_http_request_duration_seconds_bucket\{/m);
  assert.match(text, /^process_resident_memory_bytes \d+$/m);
  assert.match(text, /^llmmeta_answers_waiting_for_database 0$/m);
  assert.match(text, /^llmmeta_db_errors_total [1-9]\d*$/m);
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'no lint warnings');
  // And it does catch a broken exposition (so that passing means something).
  const broken = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text.replace('route="', 'route='), encoding: 'utf8' });
  assert.notEqual(broken.status, 0);
});
