// export.test.mjs - /export/messages.csv and .jsonl and `llmmeta export`: the exact
// header, a field with commas, quotes, newlines and a leading "=" read back by a real
// CSV parser (csv-parse), formula starts after ; , and tab guarded for spreadsheets
// that split at another separator, JSONL parsed back, unknown values empty / null, the
// filters (since, until, model), the chunked stream, and ownership: a user's export
// never holds another user's rows; only an administrator names another user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import { startServer, getCsrf, errorTexts, runCli, createUser, dbQuery, Client, rawGet } from '../lib/server.mjs';
import { signedUpClient, login, newUser } from '../lib/flows.mjs';
import { startFakeProvider } from '../lib/fake-provider.mjs';

const COLUMNS = ['id', 'conversation_id', 'created_at', 'username', 'role', 'source', 'provider', 'model', 'status',
  'content', 'max_tokens', 'temperature', 'top_k', 'top_p', 'prompt_tokens', 'completion_tokens', 'total_tokens',
  'elapsed_ms', 'ttft_ms', 'finish_reason', 'file_name', 'file_sha256', 'error', 'comparison_id'];
const TRICKY = '=HYPERLINK("http://evil.example","x"), with "quotes",\r\nand a new line\nand <b>markup</b>';

let fake, server, alice, bob, admin;

async function ask(client, fields, files = []) {
  const csrf_token = getCsrf((await client.get('/ask/')).text);
  const r = await client.postMultipart('/ask/', { csrf_token, model: 'echo', ...fields }, files);
  assert.equal(r.status, 303, errorTexts(r.text).join(' / '));
  return r;
}

before(async () => {
  fake = await startFakeProvider();
  server = await startServer({ env: { LLM_API_URL: fake.url, LLM_MODELS: 'echo,other', LLM_UNSUPPORTED: 'top_k' } });
  alice = await signedUpClient(server.url, 'alice');
  bob = await signedUpClient(server.url, 'bob');
  await ask(alice.client, { question: TRICKY, temperature: '0.1' },
    [{ name: 'file_upload', filename: 'data, v1 é.csv', content: 'a,b\n1,2\n' }]);
  await ask(alice.client, { question: '-1 + 2 @home', model: 'other' });
  await ask(bob.client, { question: 'bob secret question' });
  const a = newUser('admin');
  assert.equal((await createUser(server, { ...a, admin: true })).code, 0);
  admin = new Client(server.url);
  assert.equal((await login(admin, a.username, a.password)).status, 302);
});
after(async () => { await server?.stop(); await fake?.close(); });

const csvOf = (text) => parse(text, { relax_column_count: false, bom: false });

test('CSV: the exact header, CRLF records, and a tricky field that survives a real parser', async () => {
  const r = await alice.client.get('/export/messages.csv');
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'text/csv; charset=utf-8');
  assert.equal(r.headers.get('transfer-encoding'), 'chunked', 'streamed');
  assert.match(r.headers.get('content-disposition'), /^attachment; filename="messages\.csv"/);
  assert.ok(r.text.startsWith(`${COLUMNS.join(',')}\r\n`), 'the header, exactly');
  const rows = csvOf(r.text);
  assert.deepEqual(rows[0], COLUMNS);
  const recs = rows.slice(1).map((v) => Object.fromEntries(COLUMNS.map((c, i) => [c, v[i]])));
  assert.equal(recs.length, 4, 'two questions and two answers, nothing of bob');
  assert.ok(recs.every((x) => x.username === alice.user.username));
  const q = recs[0];
  assert.equal(q.content, `'${TRICKY}`, 'the leading = is made text with a quote; commas, quotes, CR and LF survive');
  assert.equal(q.role, 'user');
  assert.equal(q.temperature, '0.1');
  assert.equal(q.top_k, '', 'not sent to this provider: unknown, empty');
  assert.equal(q.file_name, 'data, v1 é.csv');
  assert.match(q.file_sha256, /^[0-9a-f]{64}$/);
  assert.match(q.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const [db] = dbQuery(server, `SELECT c.uuid FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = ${q.id}`);
  assert.equal(q.conversation_id, db.uuid);
  assert.equal(recs[1].role, 'assistant');
  assert.ok(recs[1].content.startsWith(`Answer to: ${TRICKY}`), 'an answer starting with a letter is not guarded');
  assert.equal(recs[2].content, "'-1 + 2 @home", 'a leading - is guarded too');
  assert.equal(recs[2].model, 'other');
  assert.ok(Number(recs[1].total_tokens) > 0);
});

test('CSV: opened with ; or tab as the separator (other locales), no cell starts a formula', async () => {
  const carol = await signedUpClient(server.url, 'carol');
  const text = 'total;=1+1\tthen,@SUM(A1);-2;+3 and ; =4';
  await ask(carol.client, { question: text });
  const r = await carol.client.get('/export/messages.csv');
  assert.equal(r.status, 200);
  const [, q] = csvOf(r.text).map((v) => Object.fromEntries(COLUMNS.map((c, i) => [c, v[i]])));
  assert.equal(q.content, "total;'=1+1\tthen,'@SUM(A1);'-2;'+3 and ; =4", 'each part that would start a formula is guarded');
  const line = r.text.split('\r\n')[1];
  assert.ok(line.includes('"total;'), 'a field holding ; is quoted');
  // A spreadsheet splitting at ; or tab does so whatever our quotes say: every piece.
  for (const sep of [';', '\t', ',']) {
    for (const cell of line.split(sep)) {
      assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+\-@]/, `split at ${JSON.stringify(sep)}, a cell starts a formula: ${cell}`);
    }
  }
  const jsonl = (await carol.client.get('/export/messages.jsonl')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(jsonl[0].content, text, 'JSONL keeps the exact text');
});

test('JSONL: one object per line, columns in order, null for unknown, numbers as numbers', async () => {
  const r = await alice.client.get('/export/messages.jsonl');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^application\/jsonl/);
  assert.ok(r.text.endsWith('\n'));
  const lines = r.text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  assert.deepEqual(Object.keys(lines[0]), COLUMNS);
  assert.equal(lines[0].content, TRICKY, 'JSON needs no formula guard');
  assert.equal(lines[0].top_k, null);
  assert.equal(lines[0].temperature, 0.1);
  assert.equal(lines[0].error, null);
  assert.equal(typeof lines[0].id, 'number');
  assert.equal(lines[1].file_name, null);
});

test('filters: model, since and until (dates and timestamps); bad dates are 400', async () => {
  const rows = (await alice.client.get('/export/messages.jsonl?model=other')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(rows.map((x) => x.model), ['other', 'other']);
  const all = (await alice.client.get('/export/messages.jsonl')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  const t = all[2].created_at; // the second question
  const from = (await alice.client.get(`/export/messages.jsonl?since=${t}`)).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(from.map((x) => x.id), all.filter((x) => x.created_at >= t).map((x) => x.id));
  const to = (await alice.client.get(`/export/messages.jsonl?until=${encodeURIComponent(t)}`)).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(to.map((x) => x.id), all.filter((x) => x.created_at <= t).map((x) => x.id), 'until includes that millisecond');
  const today = t.slice(0, 10);
  assert.equal((await alice.client.get(`/export/messages.jsonl?since=${today}&until=${today}`)).text.trimEnd().split('\n').length, 4, 'a day includes all of it');
  const tomorrow = new Date(Date.parse(today) + 86400000).toISOString().slice(0, 10);
  assert.equal((await alice.client.get(`/export/messages.csv?since=${tomorrow}`)).text, `${COLUMNS.join(',')}\r\n`, 'nothing: only the header');
  for (const bad of ['2026-13-01', '2026-02-30', 'yesterday', '2026-01-01T25:00Z', '2026-1-1']) {
    const r = await alice.client.get(`/export/messages.csv?since=${bad}`);
    assert.equal(r.status, 400, bad);
  }
});

test("ownership: a user's export never holds another's rows; ?user= is for administrators", async () => {
  const b = (await bob.client.get('/export/messages.jsonl')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(b.length, 2);
  assert.ok(b.every((x) => x.username === bob.user.username));
  assert.ok(!(await bob.client.get('/export/messages.csv')).text.includes(alice.user.username));
  for (const user of [alice.user.username, '*', 'nobody-at-all']) {
    const r = await bob.client.get(`/export/messages.csv?user=${encodeURIComponent(user)}`);
    assert.equal(r.status, 404, `a user asking for ${user}`);
    assert.ok(!r.text.includes('Answer to'));
  }
  assert.equal((await bob.client.get(`/export/messages.csv?user=${bob.user.username.toUpperCase()}`)).status, 200, 'oneself');
  const one = (await admin.get(`/export/messages.jsonl?user=${alice.user.username}`)).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual([...new Set(one.map((x) => x.username))], [alice.user.username]);
  const everyone = (await admin.get('/export/messages.jsonl?user=*')).text.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(everyone.length, 8, "alice's four, bob's two, carol's two");
  assert.equal((await admin.get('/export/messages.jsonl?user=nobody-at-all')).status, 404);
  const anon = await new Client(server.url).get('/export/messages.csv');
  assert.equal(anon.status, 302, 'anonymous visitors log in first');
});

test('llmmeta export: the same rows on standard output, all users without --user', async () => {
  const web = (await admin.get('/export/messages.csv?user=*')).text;
  const cli = await runCli(['export', '--format', 'csv'], { env: server.env });
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout, web, 'the CLI and the web write the same bytes');
  const mine = await runCli(['export', '--format', 'jsonl', '--user', alice.user.username, '--model', 'echo', '--since', '2000-01-01'], { env: server.env });
  assert.equal(mine.code, 0, mine.stderr);
  const rows = mine.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, 2);
  assert.ok(rows.every((x) => x.username === alice.user.username && x.model === 'echo'));
  const none = await runCli(['export', '--format', 'csv', '--user', 'nobody-at-all'], { env: server.env });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no user named nobody-at-all/);
  assert.equal(none.stdout, '');
  for (const args of [['export'], ['export', '--format', 'xml'], ['export', '--format', 'csv', '--since', '31/01/2026']]) {
    const r = await runCli(args, { env: server.env });
    assert.notEqual(r.code, 0, args.join(' '));
  }
  const help = await runCli(['export', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Without --user, every user's messages/);
});
