// compare.test.mjs - comparing models side by side (docs/compare.md): the columns
// asked at once (the wall time is the slowest column's, not the sum), each recorded
// as its own conversation linked by one comparison, each column's parameters
// reaching the provider as set, one failing column leaving the others answered,
// the form's limits naming the column, the per-user limit counted per column, the
// streamed columns, blind mode and its one vote, and another user's 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, dbQuery, dbExec, getCsrf, decodeEntities, multipart, runCli } from '../lib/server.mjs';
import { signedUpClient } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';
import { adminClient, rowIds } from '../lib/admin.mjs';

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

test('3 columns of 2 s each complete in under 3 s: 1 comparison, 3 conversations, each column\'s parameters as set', async (t) => {
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
  t.diagnostic(`3 columns of 2 s: ${took} ms`);
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

// ---- the leaderboard, checked against its own computation here (docs/compare.md) ----

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

// votes: [{ models: [name...], winner: index or -1 }]
function fit(votes, names) {
  const m = names.length, idx = new Map(names.map((n, i) => [n, i]));
  const W = Array.from({ length: m }, () => new Array(m).fill(0));
  for (const v of votes) {
    for (let a = 0; a < v.models.length; a++) {
      for (let b = a + 1; b < v.models.length; b++) {
        const i = idx.get(v.models[a]), j = idx.get(v.models[b]);
        if (i === j) continue;
        if (v.winner < 0) { W[i][j] += 0.5; W[j][i] += 0.5; } else if (v.winner === a) W[i][j] += 1; else if (v.winner === b) W[j][i] += 1;
      }
    }
  }
  let p = new Array(m).fill(1);
  for (let it = 0; it < 10000; it++) {
    const next = p.map((pi, i) => {
      let w = 0.5, den = 1 / (pi + 1);
      for (let j = 0; j < m; j++) {
        const n = W[i][j] + W[j][i];
        w += W[i][j];
        if (n > 0) den += n / (pi + p[j]);
      }
      return w / den;
    });
    const change = Math.max(...next.map((x, i) => Math.abs(Math.log(x) - Math.log(p[i]))));
    p = next;
    if (change < 1e-10) break;
  }
  return p.map((x) => 1000 + 400 * Math.log10(x));
}

function leaderboard(votes) {
  const names = [...new Set(votes.flatMap((v) => v.models))];
  const rating = fit(votes, names);
  const rnd = mulberry32(42), B = 200, samples = names.map(() => []);
  for (let b = 0; b < B; b++) {
    const pick = votes.map(() => votes[Math.floor((rnd() * votes.length) / 4294967296)]);
    fit(pick, names).forEach((r, i) => samples[i].push(r));
  }
  const lo = Math.floor(B * 0.025);
  return Object.fromEntries(names.map((n, i) => {
    const s = samples[i].sort((x, y) => x - y);
    const mine = votes.filter((v) => v.models.includes(n));
    const wins = mine.filter((v) => v.winner >= 0 && v.models[v.winner] === n).length;
    const ties = mine.filter((v) => v.winner < 0).length;
    return [n, { votes: mine.length, wins, ties, losses: mine.length - wins - ties, rating: rating[i], lo: s[lo], hi: s[B - 1 - lo] }];
  }));
}

test('the leaderboard\'s counts, Bradley-Terry ratings and seed-stable bootstrap bounds match an independent computation', async () => {
  const carol = await signedUpClient(server.url, 'carol');
  const uid = dbQuery(server, `SELECT id FROM users WHERE username LIKE 'carol%'`)[0].id;
  // A known set: a beats b more often than not, c mostly loses, ties, all-bad, and
  // a three-column vote. Labels are A, B, C in column order.
  const spec = [
    [['ma', 'mb'], 0], [['ma', 'mb'], 0], [['ma', 'mb'], 1], [['ma', 'mb'], -1], [['ma', 'mb'], 0],
    [['mb', 'mc'], 0], [['mb', 'mc'], 0], [['mc', 'mb'], 0], [['ma', 'mc'], 0], [['ma', 'mc'], -1],
    [['ma', 'mb', 'mc'], 2], [['mc', 'ma'], 1], [['mb', 'ma'], 0], [['ma', 'mb'], 0], [['mc', 'mb'], 1],
  ];
  const labels = ['A', 'B', 'C'];
  spec.forEach(([models, winner], k) => {
    const w = winner < 0 ? (k % 2 ? 'tie' : 'all_bad') : labels[winner];
    const uuid = `00000000-0000-4000-8000-${String(k).padStart(12, '0')}`;
    dbExec(server, `INSERT INTO comparisons (uuid, user_id, created_at, question, blind, arena, winner, voted_at) VALUES ('${uuid}', ${uid}, ${1000 + k}, 'q${k}', 1, 0, '${w}', ${2000 + k})`);
    models.forEach((m, i) => dbExec(server, `INSERT INTO comparison_columns (comparison_id, position, label, provider, model, temperature) SELECT id, ${i + 1}, '${labels[i]}', 'default', '${m}', 0.5 FROM comparisons WHERE uuid = '${uuid}'`));
  });
  const want = leaderboard(spec.map(([models, winner]) => ({ models, winner })));
  const page = await carol.client.get('/arena/leaderboard/');
  assert.equal(page.status, 200);
  const rows = [...page.text.matchAll(/<tr data-model="([^"]+)">(.*?)<\/tr>/g)];
  assert.deepEqual(rows.map((r) => r[1]), Object.keys(want).sort((x, y) => want[y].rating - want[x].rating), 'sorted by rating');
  for (const [, name, cells] of rows) {
    const cell = (cls) => Number(new RegExp(`class="[^"]*\\b${cls}\\b[^"]*">([-0-9.]+)<`).exec(cells)[1]);
    const w = want[name];
    assert.equal(cell('votes'), w.votes, name);
    assert.equal(cell('wins'), w.wins, name);
    assert.equal(cell('ties'), w.ties, name);
    assert.equal(cell('losses'), w.losses, name);
    assert.ok(Math.abs(cell('rating') - w.rating) <= 0.006, `${name} rating ${cell('rating')} vs ${w.rating}`);
    assert.ok(Math.abs(cell('lo') - w.lo) <= 0.006, `${name} lower bound ${cell('lo')} vs ${w.lo}`);
    assert.ok(Math.abs(cell('hi') - w.hi) <= 0.006, `${name} upper bound ${cell('hi')} vs ${w.hi}`);
    assert.ok(w.lo < w.hi, 'a real interval');
  }
  assert.match(page.text, /fewer than 10 votes/, 'mc has fewer than 10 votes');
  assert.equal((await carol.client.get('/arena/leaderboard/')).text, page.text, 'the same page again: the seed is fixed');
  assert.equal((await alice.client.get('/arena/leaderboard/')).text.includes('data-model="ma"'), false, 'carol\'s votes only');
  assert.equal((await alice.client.get('/arena/leaderboard/?user=*')).status, 404, 'everyone\'s: administrators only');

  // The votes' downloads: one row each, formula-neutralised like the message exports.
  dbExec(server, `UPDATE comparisons SET question = '=HYPERLINK("x")' WHERE uuid = '00000000-0000-4000-8000-000000000000'`);
  const csv = await carol.client.get('/arena/votes.csv');
  assert.equal(csv.status, 200);
  const lines = csv.text.trim().split('\r\n');
  assert.equal(lines.length, spec.length + 1);
  assert.match(lines[0], /^comparison_id,created_at,voted_at,username,question,winner,winner_model,model_A,provider_A,max_tokens_A,temperature_A,top_k_A,top_p_A,model_B/);
  assert.match(lines[1], /^00000000-0000-4000-8000-000000000000,[^,]+,[^,]+,,"'=HYPERLINK\(""x""\)",A,ma,ma,default,,0\.5,,,mb,/);
  const jsonl = (await carol.client.get('/arena/votes.jsonl')).text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(jsonl.length, spec.length);
  assert.equal(jsonl[10].winner, 'C');
  assert.equal(jsonl[10].winner_model, 'mc');
  assert.equal(jsonl[10].model_C, 'mc');
  assert.equal(jsonl[0].temperature_A, 0.5);
});

test('the export carries each column\'s comparison_id, and the admin\'s message list filters by it', async () => {
  const r = await compare(alice, { model_1: 'echo', model_2: 'zebra7' });
  assert.equal(r.status, 303);
  const uuid = uuidOf(r.location);
  const rows = (await alice.client.get('/export/messages.jsonl')).text.trim().split('\n').map((l) => JSON.parse(l));
  const mine = rows.filter((m) => m.comparison_id === uuid);
  assert.equal(mine.length, 4, 'two questions and two answers');
  assert.equal(new Set(mine.map((m) => m.conversation_id)).size, 2);
  const plain = rows.filter((m) => !m.comparison_id);
  assert.ok(plain.every((m) => m.comparison_id === null), 'null outside comparisons');
  const csv = (await alice.client.get('/export/messages.csv')).text.split('\r\n');
  assert.match(csv[0], /,error,comparison_id$/);
  assert.equal(csv.filter((l) => l.endsWith(`,${uuid}`)).length, 4);

  const admin = await adminClient(server);
  const page = (await admin.client.get(`/admin/messages/?comparison=${uuid}`)).text;
  const want = dbQuery(server, `SELECT m.id FROM messages m JOIN comparison_columns cc ON cc.conversation_id = m.conversation_id JOIN comparisons c ON c.id = cc.comparison_id WHERE c.uuid = '${uuid}' ORDER BY m.id DESC`).map((x) => x.id);
  assert.equal(want.length, 4);
  assert.deepEqual(rowIds(page), want);
  assert.equal(rowIds((await admin.client.get(`/admin/messages/?comparison=${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`)).text).length, 0);
});

test('the history lists a comparison as one entry, linking to it, without its (blind) models', async () => {
  const dave = await signedUpClient(server.url, 'dave');
  const r = await compare(dave, { question: 'history of three', model_1: 'zebra7', model_2: 'quokka9', model_3: 'echo', blind: '1' });
  assert.equal(r.status, 303);
  const csrf_token = getCsrf((await dave.client.get('/ask/')).text);
  assert.equal((await dave.client.postMultipart('/ask/', { csrf_token, question: 'a plain one', model: 'echo' })).status, 303);
  const page = (await dave.client.get('/conversation/')).text;
  assert.equal((page.match(/<article class="hist-conv/g) || []).length, 2, 'one entry for 3 columns, one for the plain question');
  assert.match(page, new RegExp(`<a href="/compare/${uuidOf(r.location)}/">history of three</a>`));
  assert.match(page, /a comparison of 3 columns/);
  assert.doesNotMatch(page, /zebra7|quokka9/);
});

test('POST /v1/compare records what the web records and answers a chat.completion per column, in order', async () => {
  const key = (await runCli(['apikey', '--username', alice.user.username, '--name', 'cmp'], { env: server.env })).stdout.trim();
  const call = (body) => fetch(`${server.url}/v1/compare`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const before = fake.requests.length;
  const t0 = Date.now();
  const res = await call({ messages: [{ role: 'user', content: 'api question' }], columns: [
    { model: 'slow-2000', temperature: 0.3, max_tokens: 33 }, { model: 'fail-500' }, { model: 'slow-2000', top_p: 0.25, top_k: 5 }] });
  const took = Date.now() - t0;
  assert.equal(res.status, 200);
  assert.ok(took < 3000, `took ${took} ms`);
  const out = await res.json();
  assert.equal(out.columns.length, 3);
  assert.equal(out.columns[0].object, 'chat.completion');
  assert.equal(out.columns[0].choices[0].message.content, 'Answer to: api question');
  assert.match(out.columns[1].error.message, /500/);
  assert.equal(out.columns[2].choices[0].finish_reason, 'stop');
  const sent = fake.requests.slice(before).map((q) => q.body);
  assert.ok(sent.some((b) => b.temperature === 0.3 && b.max_tokens === 33));
  assert.ok(sent.some((b) => b.top_p === 0.25 && b.top_k === 5));
  const cols = comparisonRows(out.comparison_id);
  assert.deepEqual(cols.map((c) => c.model), ['slow-2000', 'fail-500', 'slow-2000']);
  assert.equal(cols[0].temperature, 0.3);
  const [q, a] = messagesOf(cols[0].conv_uuid);
  assert.equal(q.content, 'api question');
  assert.equal(a.status, 'ok');
  assert.equal(a.source, 'api');
  assert.equal(a.conversation_id, dbQuery(server, `SELECT id FROM conversations WHERE uuid = '${out.columns[0].conversation_id}'`)[0].id);
  assert.equal((await alice.client.get(`/compare/${out.comparison_id}/`)).status, 200, 'shown on the web like any comparison');

  assert.equal((await call({ messages: [{ role: 'user', content: 'x' }], columns: [{ model: 'echo' }] })).status, 400);
  assert.equal((await call({ messages: [{ role: 'user', content: 'x' }], columns: Array(7).fill({ model: 'echo' }) })).status, 400);
  const bad = await call({ messages: [{ role: 'user', content: 'x' }], columns: [{ model: 'echo' }, { model: 'nope' }] });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.message, /Column 2/);
  assert.equal((await call({ messages: [{ role: 'user', content: 'x' }], columns: [{ model: 'echo' }, { model: 'echo', temperature: 1.5 }] })).status, 400);
  const seven = await call({ messages: [{ role: 'user', content: 'x' }], columns: Array(6).fill({ model: 'echo' }) });
  assert.equal(seven.status, 200, '6 columns take the 6 places');
});

test('the metadata table marks the best value of a row, and nothing in a row whose values are all equal', async () => {
  const r = await compare(alice, { question: 'mark me', model_1: 'slow-2000', model_2: 'echo' });
  assert.equal(r.status, 303);
  const page = (await alice.client.get(r.location)).text;
  const row = (name) => new RegExp(`<tr><th scope="row">${name}</th>(.*?)</tr>`).exec(page)[1];
  // Labels A, B in the order entered: B (echo) answered 2 s sooner.
  assert.match(row('Elapsed \\(ms\\)'), /^<td>\d+<\/td><td class="best"><strong>\d+<\/strong>/);
  assert.match(row('Time to first token \\(ms\\)'), /^<td>\d+<\/td><td class="best">/);
  // The highest is the best, whichever column it is (each rate depends on the machine's timing).
  const cells = [...row('Tokens per second').matchAll(/<td( class="best")?>(?:<strong>)?([^<]*)/g)].map((m) => ({ best: !!m[1], v: Number(m[2]) }));
  const known = cells.filter((c) => Number.isFinite(c.v));
  if (known.length === 2 && known[0].v !== known[1].v) {
    const top = Math.max(...known.map((c) => c.v));
    assert.deepEqual(cells.filter((c) => c.best).map((c) => c.v), [top], `the highest is the best: ${JSON.stringify(cells)}`);
  }
  assert.doesNotMatch(row('Prompt tokens'), /best/, 'the same question: the same prompt tokens, none marked');
});

test('blind and streamed: no model name anywhere in the stream', async () => {
  const csrf_token = getCsrf((await alice.client.get('/compare/')).text);
  const { body, contentType } = multipart({ csrf_token, question: 'who are you', model_1: 'zebra7', model_2: 'quokka9', blind: '1' });
  const res = await fetch(`${server.url}/compare/`, {
    method: 'POST', body,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  const text = await res.text();
  assert.doesNotMatch(text, /zebra7|quokka9/);
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines[0].columns, [{ label: 'A' }, { label: 'B' }]);
  assert.equal(lines.at(-1).type, 'end');
});

test('a browser that leaves mid-stream: every column is stopped and recorded as cancelled', async () => {
  const csrf_token = getCsrf((await alice.client.get('/compare/')).text);
  const { body, contentType } = multipart({ csrf_token, question: 'leave me', model_1: 'hang', model_2: 'hang' });
  const ctl = new AbortController();
  const res = await fetch(`${server.url}/compare/`, {
    method: 'POST', body, signal: ctl.signal,
    headers: { 'Content-Type': contentType, Accept: 'application/x-ndjson', 'X-CSRF-Token': csrf_token, Cookie: alice.client.cookieHeader() },
  });
  const reader = res.body.getReader();
  let text = '';
  while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
  const uuid = JSON.parse(text.split('\n')[0]).comparison;
  ctl.abort();
  let statuses = [];
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 100));
    statuses = comparisonRows(uuid).map((c) => messagesOf(c.conv_uuid)[0].status);
    if (statuses.every((s) => s === 'cancelled')) break;
  }
  assert.deepEqual(statuses, ['cancelled', 'cancelled']);
  // Their places are given back: a full comparison is accepted again.
  const six = Object.fromEntries([1, 2, 3, 4, 5, 6].map((k) => [`model_${k}`, 'echo']));
  assert.equal((await compare(alice, six)).status, 303);
});

test('"Ask again" fills the form with the comparison\'s question and columns as entered', async () => {
  const r = await compare(alice, { question: 'again please', model_1: 'quokka9', temperature_1: 0.15, model_2: 'echo', top_k_2: 3 });
  const form = decodeEntities((await alice.client.get(`/compare/?again=${uuidOf(r.location)}`)).text);
  assert.match(form, /<textarea[^>]*name="question"[^>]*>again please<\/textarea>/);
  assert.match(form, /<select id="f-model_1" name="model_1">[\s\S]*?<option selected>quokka9<\/option>/);
  assert.match(form, /name="temperature_1"[^>]*value="0.15"/);
  assert.match(form, /<select id="f-model_2" name="model_2">[\s\S]*?<option selected>echo<\/option>/);
  assert.match(form, /name="top_k_2"[^>]*value="3"/);
  assert.equal((await bob.client.get(`/compare/?again=${uuidOf(r.location)}`)).text.includes('again please'), false, 'another user\'s is not filled in');
});

test('the arena asks two different models drawn from those ticked, blind', async () => {
  const csrf_token = getCsrf((await alice.client.get('/arena/')).text);
  const r = await alice.client.postForm('/arena/', [['csrf_token', csrf_token], ['question', 'arena q'], ['models', 'zebra7'], ['models', 'quokka9']]);
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const uuid = uuidOf(r.location);
  const row = dbQuery(server, `SELECT blind, arena FROM comparisons WHERE uuid = '${uuid}'`)[0];
  assert.deepEqual([row.blind, row.arena], [1, 1]);
  assert.deepEqual(comparisonRows(uuid).map((c) => c.model).sort(), ['quokka9', 'zebra7']);
  assert.doesNotMatch((await alice.client.get(r.location)).text, /zebra7|quokka9/);
  const one = await alice.client.postForm('/arena/', [['csrf_token', csrf_token], ['question', 'arena q'], ['models', 'zebra7']]);
  assert.equal(one.status, 400, 'one model is no draw');
});

test('an administrator\'s leaderboard and downloads: everyone\'s with ?user=*, one user\'s with ?user=NAME, usernames filled in', async () => {
  const admin = await adminClient(server, 'lbadm');
  const all = (await admin.client.get('/arena/leaderboard/?user=*')).text;
  assert.match(all, /data-model="ma"/, 'carol\'s votes are among everyone\'s');
  const carol = dbQuery(server, `SELECT username FROM users WHERE username LIKE 'carol%'`)[0].username;
  const hers = (await admin.client.get(`/arena/leaderboard/?user=${carol}`)).text;
  assert.match(hers, /data-model="ma"/);
  assert.equal((await admin.client.get('/arena/leaderboard/?user=nobody_here')).status, 404);
  const rows = (await admin.client.get('/arena/votes.jsonl?user=*')).text.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rows.some((v) => v.username === carol));
  assert.ok(rows.every((v) => v.username), 'every row names its user');
  const own = (await alice.client.get('/arena/votes.jsonl')).text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.ok(own.every((v) => v.username === null), 'a user\'s own download has no username');
});
