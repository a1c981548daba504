// compare.test.mjs - comparing models side by side (docs/compare.md): the columns
// asked at once (the wall time is the slowest column's, not the sum), each recorded
// as its own conversation linked by one comparison, each column's parameters
// reaching the provider as set, one failing column leaving the others answered,
// the form's limits naming the column, the per-user limit counted per column, the
// streamed columns, blind mode and its one vote, and another user's 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, getCsrf, decodeEntities, multipart } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const MODELS = 'echo,zebra7,quokka9,slow-2000,fail-500,hang,held';
let fake, server, alice, bob;

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_API_KEY: 'sk-compare-test-key-1', LLM_MODELS: MODELS, MAX_ASKS_PER_USER: '6' } });
  alice = await signedUpClient(server.url, 'alice');
  bob = await signedUpClient(server.url, 'bob');
});

after(async () => {
  await server?.stop();
  await fake?.close();
});

async function compare(user, fields, { path = '/compare/' } = {}) {
  const csrf_token = getCsrf((await user.client.get(path)).text);
  return user.client.postMultipart(path, { csrf_token, question: 'Which is best?', ...fields });
}

const uuidOf = (location) => /\/compare\/([0-9a-f-]{36})\//.exec(location)[1];
const comparisonRows = (uuid) => dbQuery(server, `SELECT cc.*, cv.uuid AS conv_uuid FROM comparisons c JOIN comparison_columns cc ON cc.comparison_id = c.id LEFT JOIN conversations cv ON cv.id = cc.conversation_id WHERE c.uuid = '${uuid}' ORDER BY cc.position`);
const messagesOf = (convUuid) => dbQuery(server, `SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.uuid = '${convUuid}' ORDER BY m.id`);

test('3 columns of 2 s each complete in under 3 s: 1 comparison, 3 conversations, each column\'s parameters as set', async () => {
  const before = fake.requests.length;
  const t0 = Date.now();
  const r = await compare(alice, {
    model_1: 'slow-2000', max_tokens_1: 101, temperature_1: 0.1, top_k_1: 11, top_p_1: 0.51,
    model_2: 'slow-2000', max_tokens_2: 202, temperature_2: 0.2, top_k_2: 22, top_p_2: 0.52,
    model_4: 'slow-2000', max_tokens_4: 404, temperature_4: 0.4, top_k_4: 44, top_p_4: 0.54,
  });
  const took = Date.now() - t0;
  assert.equal(r.status, 303, r.text.slice(0, 400));
  assert.ok(took >= 2000 && took < 3000, `took ${took} ms`);
  const uuid = uuidOf(r.location);
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM comparisons WHERE uuid = '${uuid}'`)[0].n, 1);
  const cols = comparisonRows(uuid);
  assert.equal(cols.length, 3);
  assert.equal(new Set(cols.map((c) => c.conv_uuid)).size, 3, 'a conversation per column');
  const sent = fake.requests.slice(before).map((q) => q.body).sort((a, b) => a.max_tokens - b.max_tokens);
  assert.deepEqual(sent.map((b) => [b.model, b.max_tokens, b.temperature, b.top_k, b.top_p]),
    [['slow-2000', 101, 0.1, 11, 0.51], ['slow-2000', 202, 0.2, 22, 0.52], ['slow-2000', 404, 0.4, 44, 0.54]]);
  for (const c of cols) {
    const [q, a] = messagesOf(c.conv_uuid);
    assert.equal(q.content, 'Which is best?');
    assert.equal(a.status, 'ok');
    assert.equal(a.max_tokens, c.max_tokens, 'the answer keeps its column\'s parameters');
    assert.equal(a.temperature, c.temperature);
    assert.equal(a.content, 'Answer to: Which is best?');
  }
  const page = await alice.client.get(r.location);
  assert.equal(page.status, 200);
  assert.equal((page.text.match(/<section class="compare-col"/g) || []).length, 3);
  assert.match(page.text, /temperature 0\.4/);
  assert.match(page.text, /class="best"/, 'the best value of a row is marked');
});

test('one failing column shows its error; the others are answered and recorded', async () => {
  const r = await compare(alice, { model_1: 'echo', model_2: 'fail-500', model_3: 'zebra7' });
  assert.equal(r.status, 303, r.text.slice(0, 400));
  const cols = comparisonRows(uuidOf(r.location));
  const byModel = Object.fromEntries(cols.map((c) => [c.model, messagesOf(c.conv_uuid)]));
  assert.equal(byModel.echo[1].status, 'ok');
  assert.equal(byModel.zebra7[1].status, 'ok');
  assert.equal(byModel['fail-500'][0].status, 'error');
  const page = decodeEntities((await alice.client.get(r.location)).text);
  assert.equal((page.match(/Answer to: Which is best\?/g) || []).length, 2);
  assert.match(page, /role="alert">[^<]*500/);
});

test('the form refuses 1 column and 7, and names the column whose model or parameter is wrong', async () => {
  let r = await compare(alice, { model_1: 'echo' });
  assert.equal(r.status, 400);
  assert.match(r.text, /at least two columns/);
  r = await compare(alice, { model_1: 'echo', model_2: 'echo', model_3: 'echo', model_4: 'echo', model_5: 'echo', model_6: 'echo', model_7: 'echo' });
  assert.equal(r.status, 400);
  assert.match(r.text, /at most 6 columns/);
  r = await compare(alice, { model_1: 'echo', model_3: 'no-such-model' });
  assert.equal(r.status, 400);
  assert.match(decodeEntities(r.text), /Column 3, model: Select a valid choice\. no-such-model is not one/);
  r = await compare(alice, { model_1: 'echo', model_2: 'echo', temperature_2: '1.5' });
  assert.equal(r.status, 400);
  assert.match(decodeEntities(r.text), /Column 2, temperature: Ensure this value is less than or equal to 1/);
  r = await compare(alice, { model_1: 'echo', model_2: 'echo', model_3: 'echo', model_4: 'echo', model_5: 'echo', model_6: 'echo' });
  assert.equal(r.status, 303, '6 columns are accepted');
});

test('MAX_ASKS_PER_USER counts each column: 6 places, 1 held, a 6-column comparison is refused; 5 columns pass', async () => {
  const csrf_token = getCsrf((await alice.client.get('/ask/')).text);
  const held = alice.client.postMultipart('/ask/', { csrf_token, question: 'hold', model: 'held' });
  while (!fake.requests.some((q) => q.body.model === 'held')) await new Promise((res) => setTimeout(res, 20));
  const six = Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [`model_${k}`, 'echo']));
  let r = await compare(alice, six);
  assert.equal(r.status, 429);
  const five = Object.fromEntries([1, 2, 3, 4, 5].map((k) => [`model_${k}`, 'echo']));
  r = await compare(alice, five);
  assert.equal(r.status, 303);
  fake.release();
  assert.equal((await held).status, 303);
});

test('with JavaScript each column streams: start, deltas per column, each column\'s done, then end', async () => {
  const csrf_token = getCsrf((await alice.client.get('/compare/')).text);
  const { body, contentType } = multipart({ csrf_token, question: 'stream us', model_1: 'echo', model_2: 'zebra7' });
  const res = await fetch(`${server.url}/compare/`, {
    method: 'POST', body,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  assert.equal(res.status, 200);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines[0].type, 'start');
  assert.deepEqual(lines[0].columns, [{ label: 'A', model: 'echo' }, { label: 'B', model: 'zebra7' }]);
  for (const k of [0, 1]) {
    assert.equal(lines.filter((l) => l.type === 'delta' && l.column === k).map((l) => l.text).join(''), 'Answer to: stream us');
    assert.match(lines.find((l) => l.type === 'done' && l.column === k).html, /Answer to: stream us/);
  }
  assert.equal(lines.at(-1).type, 'end');
  assert.equal(lines.at(-1).url, lines[0].url);
});

test('blind: no model name before the vote, names after; a second vote 409; another user 404 on the page and the vote', async () => {
  const r = await compare(alice, { model_1: 'zebra7', model_2: 'quokka9', blind: '1' });
  assert.equal(r.status, 303);
  const before = await alice.client.get(r.location);
  assert.equal(before.status, 200);
  assert.doesNotMatch(before.text, /zebra7|quokka9/);
  const uuid = uuidOf(r.location);
  const csrf_token = getCsrf(before.text);
  assert.equal((await bob.client.get(r.location)).status, 404);
  const bobCsrf = getCsrf((await bob.client.get('/compare/')).text);
  assert.equal((await bob.client.postForm(`/compare/${uuid}/vote/`, { csrf_token: bobCsrf, winner: 'A' })).status, 404);
  assert.equal((await alice.client.postForm(`/compare/${uuid}/vote/`, { csrf_token, winner: 'C' })).status, 400);
  const vote = await alice.client.postForm(`/compare/${uuid}/vote/`, { csrf_token, winner: 'B' });
  assert.equal(vote.status, 303);
  const after = await alice.client.get(r.location);
  assert.match(after.text, /zebra7/);
  assert.match(after.text, /quokka9/);
  assert.match(after.text, /Your vote: B is better/);
  assert.equal((await alice.client.postForm(`/compare/${uuid}/vote/`, { csrf_token, winner: 'A' })).status, 409);
  assert.equal(dbQuery(server, `SELECT winner FROM comparisons WHERE uuid = '${uuid}'`)[0].winner, 'B');
});
