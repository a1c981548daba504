// llmmeta import-django (docs/import.md): a database shaped as the Django app's is
// built here - SQLite through the sqlite3 CLI, or PostgreSQL through psql when the
// tests run on PostgreSQL - with pbkdf2_sha256 hashes computed here (260,000 and
// 1,000,000 iterations). After the import a Django user logs in with their old
// password (then stored as Argon2id) and sees their conversation with its original
// times, model, parameters and word count; a second import adds nothing; a username
// taken here is reported and skipped; a missing upload is reported; inactive stays
// inactive; staff becomes administrator; the source is not changed; a user whose
// transaction fails leaves nothing behind and comes over when the import runs again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDatabase, runCli, createUser, dbQuery, dbExec, failingInsertSql, dropFailingInsertSql, Client, PSQL,
  assertNoSanitizerReport } from '../lib/server.mjs';
import { login, isLoggedIn, goodPassword } from '../lib/flows.mjs';

/** Django's stored form of a password. */
function djangoHash(password, iterations) {
  const salt = randomBytes(9).toString('base64').replace(/[^A-Za-z0-9]/g, 'x');
  const key = pbkdf2Sync(password, salt, iterations, 32, 'sha256').toString('base64');
  return `pbkdf2_sha256$${iterations}$${salt}$${key}`;
}

const pw = { alice: goodPassword(), bob: goodPassword(), dave: goodPassword() };
const CONV = '0123456789abcdef0123456789abcdef'; // alice's conversation, as Django keeps it in SQLite
const CONV_URL = '01234567-89ab-cdef-0123-456789abcdef';
const CONV2 = 'fedcba98765432100123456789abcdef';
const CSV = 'force,elongation\n1,2\n';

// Users: alice (staff, 1,000,000 iterations), bob (inactive, 260,000), dave (a
// username that exists here already), erin (superuser, no messages), frank (the
// e-mail address of the Dave here, and a file path that leaves the media directory).
const users = () => [
  [1, djangoHash(pw.alice, 1000000), '2024-05-02 08:00:00.5', false, 'alice', 'alice@dj.test', true, true, '2024-01-01 10:00:00'],
  [2, djangoHash(pw.bob, 260000), null, false, 'bob', 'bob@dj.test', false, false, '2024-01-02 10:00:00'],
  [3, djangoHash(pw.dave, 260000), null, false, 'dave', 'dave@dj.test', false, true, '2024-01-03 10:00:00'],
  [4, djangoHash('x', 260000), null, true, 'erin', '', false, true, '2024-01-04 10:00:00'],
  [5, '!unusable', null, false, 'frank', 'DAVE@here.test', false, true, '2024-01-05 10:00:00'],
];
// [id, role, content, model, token_usage, elapsed s, time (UTC), username, conversation, temperature, top_k, top_p, file]
const messages = [
  [10, 'user', 'What is a tensile test?\nExplain it.', 'llama3:8b', null, null, '2024-05-01 12:34:56.789012', 'alice', CONV, 0.7, 40, 0.9, 'file_uploads/tensile.csv'],
  [11, 'assistant', 'It pulls a sample **apart**.', 'llama3:8b', 42, 3.25, '2024-05-01 12:35:01.5', 'alice', CONV, 0.7, 40, 0.9, ''],
  [12, 'user', 'Second conversation', 'mistral', null, null, '2024-06-01 09:00:00', 'alice', CONV2, null, null, null, 'file_uploads/gone.txt'],
  [13, 'user', 'bob asks', 'mistral', null, null, '2024-06-02 09:00:00', 'bob', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 0.2, 5, 0.5, null],
  [14, 'user', 'dave asks', 'mistral', null, null, '2024-06-03 09:00:00', 'dave', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', null, null, null, null],
  [16, 'user', 'frank asks', 'mistral', null, null, '2024-06-05 09:00:00', 'frank', 'dddddddddddddddddddddddddddddddd', null, null, null, '../secret.txt'],
];

const q = (v) => (v === null ? 'NULL' : typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));

/** The Django database, on the backend the tests run on: { url, cleanup, digest() }. */
function djangoDatabase(dir) {
  const src = freshDatabase();
  const pg = src.backend === 'postgres';
  const bool = (b) => (pg ? (b ? 'true' : 'false') : (b ? '1' : '0'));
  // PostgreSQL keeps timestamptz and uuid: the times are written with another offset
  // (the same instant), the UUIDs with dashes.
  const time = (t) => (t === null ? 'NULL' : pg ? q(`${t}+00`) : q(t));
  const sql = [
    `CREATE TABLE auth_user (id integer PRIMARY KEY, password varchar(128) NOT NULL, last_login ${pg ? 'timestamptz' : 'datetime'} NULL,
      is_superuser ${pg ? 'boolean' : 'bool'} NOT NULL, username varchar(150) NOT NULL UNIQUE, first_name varchar(150) NOT NULL DEFAULT '',
      last_name varchar(150) NOT NULL DEFAULT '', email varchar(254) NOT NULL, is_staff ${pg ? 'boolean' : 'bool'} NOT NULL,
      is_active ${pg ? 'boolean' : 'bool'} NOT NULL, date_joined ${pg ? 'timestamptz' : 'datetime'} NOT NULL);`,
    `CREATE TABLE conversations (id integer PRIMARY KEY, role varchar(20) NOT NULL, content text NOT NULL, model_name varchar(100) NULL,
      token_usage integer NULL, elapsed_time ${pg ? 'double precision' : 'real'} NULL, "timestamp" ${pg ? 'timestamptz' : 'datetime'} NOT NULL,
      username varchar(100) NOT NULL, conversation_id ${pg ? 'uuid' : 'char(32)'} NOT NULL, temperature ${pg ? 'double precision' : 'real'} NULL,
      top_k integer NULL, top_p ${pg ? 'double precision' : 'real'} NULL, file_upload varchar(100) NULL);`,
  ];
  for (const [id, hash, last, su, name, email, staff, active, joined] of users()) {
    sql.push(`INSERT INTO auth_user (id, password, last_login, is_superuser, username, email, is_staff, is_active, date_joined)
      VALUES (${id}, ${q(hash)}, ${time(last)}, ${bool(su)}, ${q(name)}, ${q(email)}, ${bool(staff)}, ${bool(active)}, ${time(joined)});`);
  }
  for (const [id, role, content, model, words, secs, t, user, conv, temp, k, p, file] of messages) {
    const uuid = pg ? q(conv.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-')) : q(conv.toUpperCase());
    sql.push(`INSERT INTO conversations VALUES (${id}, ${q(role)}, ${q(content)}, ${q(model)}, ${q(words)}, ${q(secs)}, ${time(t)},
      ${q(user)}, ${uuid}, ${q(temp)}, ${q(k)}, ${q(p)}, ${q(file)});`);
  }
  // A message of a user who is not in auth_user (deleted in Django).
  sql.push(`INSERT INTO conversations VALUES (15, 'user', 'ghost', 'x', NULL, NULL, ${time('2024-06-04 09:00:00')}, 'ghost',
    ${pg ? "'cccccccc-cccc-cccc-cccc-cccccccccccc'" : "'cccccccccccccccccccccccccccccccc'"}, NULL, NULL, NULL, NULL);`);
  const script = sql.join('\n');
  if (pg) {
    const r = spawnSync(PSQL, [src.url, '-q', '-v', 'ON_ERROR_STOP=1'], { input: script, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // The session time zone must not matter: show this database's times in another one.
    const tz = spawnSync(PSQL, [src.url, '-q', '-c', `ALTER DATABASE ${src.name} SET TimeZone = 'Asia/Kolkata'`], { encoding: 'utf8' });
    assert.equal(tz.status, 0, tz.stderr);
    const digest = () => spawnSync(PSQL, [src.url, '-At', '-c', 'SELECT md5(string_agg(t::text, \'|\' ORDER BY t::text)) FROM'
      + ' (SELECT a::text AS t FROM auth_user a UNION ALL SELECT c::text FROM conversations c) x'], { encoding: 'utf8' }).stdout;
    return { url: src.url, cleanup: () => src.cleanup(), digest };
  }
  const path = join(dir, 'django.sqlite3');
  const r = spawnSync('sqlite3', [path], { input: script, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const digest = () => createHash('sha256').update(readFileSync(path)).digest('hex');
  return { url: `sqlite://${path}`, cleanup: () => src.cleanup(), digest };
}

let server, dir, media, django, first;
const importDjango = () => runCli(['import-django', '--media', media, django.url], { env: server.env, timeout: 60000 });
const counts = () => dbQuery(server, `SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM conversations) AS conversations,
  (SELECT count(*) FROM messages) AS messages, (SELECT count(*) FROM uploads) AS uploads`)[0];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llmmeta-import-'));
  media = join(dir, 'media');
  mkdirSync(join(media, 'file_uploads'), { recursive: true });
  writeFileSync(join(media, 'file_uploads', 'tensile.csv'), CSV);
  writeFileSync(join(dir, 'secret.txt'), 'not for frank');
  django = djangoDatabase(dir);
  server = await startServer();
  // dave already has an account here: the Django dave must not be merged into it.
  const r = await createUser(server, { username: 'Dave', email: 'dave@here.test', password: pw.dave.split('').reverse().join('') });
  assert.equal(r.code, 0, r.stderr);
  const before = django.digest();
  first = await importDjango();
  assertNoSanitizerReport(first.stderr, 'llmmeta import-django');
  assert.equal(django.digest(), before, 'the import changed the Django database');
});

after(async () => {
  await server?.stop();
  django?.cleanup();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the import succeeds and says what it imported and skipped', () => {
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const out = first.stdout;
  assert.match(out, /^imported alice, administrator \(id \d+ here\): 2 conversations, 3 messages, 1 files$/m);
  assert.match(out, /^imported bob, inactive \(id \d+ here\): 1 conversations, 1 messages, 0 files$/m);
  assert.match(out, /^imported erin, administrator \(id \d+ here\): 0 conversations/m);
  assert.match(out, /^skipped dave: a user of that name already exists here/m);
  assert.match(out, /^skipped 1 messages of ghost: no such user in auth_user$/m);
  assert.match(out, /alice: message 12: file file_uploads\/gone\.txt not imported: not found/);
  assert.match(out, /^  frank: imported without the e-mail address DAVE@here\.test, which Dave has here$/m);
  assert.match(out, /^  frank: no usable password: they need a new one to log in$/m);
  assert.match(out, /^  frank: message 16: file \.\.\/secret\.txt not imported: the path leaves the media directory$/m);
  assert.match(out, /^imported frank \(id \d+ here\): 1 conversations, 1 messages, 0 files$/m);
  assert.match(out, /^llmmeta: imported 4 users, 4 conversations, 5 messages, 1 files; skipped 1 users, 1 messages; 2 files not found; 0 users failed$/m);
  assert.equal(dbQuery(server, "SELECT email FROM users WHERE username = 'frank'")[0].email, '');
  const u = dbQuery(server, "SELECT username, created_at, last_login FROM users WHERE import_id IS NOT NULL ORDER BY import_id");
  assert.deepEqual(u.map((x) => [x.username, Number(x.created_at), x.last_login === null ? null : Number(x.last_login)]), [
    ['alice', Date.parse('2024-01-01T10:00:00Z'), Date.parse('2024-05-02T08:00:00.500Z')],
    ['bob', Date.parse('2024-01-02T10:00:00Z'), null],
    ['erin', Date.parse('2024-01-04T10:00:00Z'), null],
    ['frank', Date.parse('2024-01-05T10:00:00Z'), null],
  ]);
});

test('a Django user logs in with their old password (1,000,000 iterations), then has an Argon2id hash', async () => {
  const hashBefore = dbQuery(server, "SELECT password_hash FROM users WHERE username = 'alice'")[0].password_hash;
  assert.match(hashBefore, /^pbkdf2_sha256\$1000000\$/);
  const c = new Client(server.url);
  const bad = await login(c, 'alice', `${pw.alice}x`);
  assert.equal(bad.status, 400, 'a wrong password was not refused');
  const t0 = Date.now();
  const r = await login(c, 'alice', pw.alice);
  assert.equal(r.status, 302, r.text.slice(0, 500));
  assert.ok(await isLoggedIn(c));
  const u = dbQuery(server, "SELECT password_hash, is_admin, is_active, email, created_at, last_login FROM users WHERE username = 'alice'")[0];
  assert.match(u.password_hash, /^\$argon2id\$/);
  assert.equal(u.is_admin, 1, 'staff did not become an administrator');
  assert.equal(u.is_active, 1);
  assert.equal(u.email, 'alice@dj.test');
  assert.equal(Number(u.created_at), Date.parse('2024-01-01T10:00:00Z'));
  assert.ok(Number(u.last_login) >= t0 - 1000, 'last_login not moved by the login');
  // ... and logs in again with the same password, now checked against Argon2id.
  const c2 = new Client(server.url);
  assert.equal((await login(c2, 'alice', pw.alice)).status, 302);
});

test('the imported user sees the conversation with its original times, model, parameters and words', async () => {
  const c = new Client(server.url);
  assert.equal((await login(c, 'alice@dj.test', pw.alice)).status, 302);
  const page = await c.get(`/conversation/${CONV_URL}/`);
  assert.equal(page.status, 200);
  const html = page.text;
  // The answer's metadata shows its time (the question's is checked in the database below).
  assert.match(html, /<time datetime="2024-05-01T12:35:01\.500Z" class="t-full">2024-05-01T12:35:01\.500Z<\/time>/);
  assert.match(html, /llama3:8b/);
  assert.match(html, /<dt>Temperature<\/dt><dd>0\.7<\/dd>/);
  assert.match(html, /<dt>Top k<\/dt><dd>40<\/dd>/);
  assert.match(html, /<dt>Top p<\/dt><dd>0\.9<\/dd>/);
  assert.match(html, /<dt>Elapsed<\/dt><dd>3250 ms<\/dd>/);
  assert.match(html, /<dt>Words<\/dt><dd>42<\/dd>/);
  assert.match(html, /<dt>Total tokens<\/dt><dd class="unknown">not reported<\/dd>/, 'the word count shown as tokens');
  assert.match(html, /<dt>Max tokens<\/dt><dd class="unknown">not sent<\/dd>/);
  assert.match(html, /What is a tensile test\?/);
  // The file came with it: its bytes, SHA-256 and content type.
  const m = /href="\/uploads\/(\d+)\/">tensile\.csv<\/a> \((\d+) bytes, text\/csv, SHA-256 <code>([0-9a-f]{12})<\/code>/.exec(html);
  assert.ok(m, 'the uploaded file is not shown');
  assert.equal(Number(m[2]), Buffer.byteLength(CSV));
  assert.equal(m[3], createHash('sha256').update(CSV).digest('hex').slice(0, 12));
  const file = await c.get(`/uploads/${m[1]}/`);
  assert.equal(file.text, CSV);
  const row = dbQuery(server, `SELECT c.title, c.source AS csource, c.created_at, c.updated_at, m.source, m.words, m.total_tokens,
    m.max_tokens, m.import_id FROM conversations c JOIN messages m ON m.conversation_id = c.id WHERE c.uuid = '${CONV_URL}' ORDER BY m.id`);
  assert.equal(row.length, 2);
  assert.equal(row[0].title, 'What is a tensile test?');
  assert.equal(row[0].csource, 'import');
  assert.equal(Number(row[0].created_at), Date.parse('2024-05-01T12:34:56.789Z'));
  assert.equal(Number(row[0].updated_at), Date.parse('2024-05-01T12:35:01.500Z'));
  assert.deepEqual(row.map((x) => [x.source, x.words, x.total_tokens, x.max_tokens, Number(x.import_id)]),
    [['import', null, null, null, 10], ['import', 42, null, null, 11]]);
});

test('the message whose file is missing is imported without a file', () => {
  const r = dbQuery(server, "SELECT m.upload_id, m.content FROM messages m WHERE m.import_id = 12");
  assert.deepEqual(r, [{ upload_id: null, content: 'Second conversation' }]);
});

test('an inactive Django user stays inactive and cannot log in', async () => {
  assert.equal(dbQuery(server, "SELECT is_active FROM users WHERE username = 'bob'")[0].is_active, 0);
  const c = new Client(server.url);
  await login(c, 'bob', pw.bob);
  assert.equal(await isLoggedIn(c), false);
  assert.equal(dbQuery(server, "SELECT is_admin FROM users WHERE username = 'bob'")[0].is_admin, 0);
  assert.equal(dbQuery(server, "SELECT is_admin FROM users WHERE username = 'erin'")[0].is_admin, 1, 'superuser not admin');
});

test('a username that exists here is skipped: nothing merged into the account here', async () => {
  const here = dbQuery(server, "SELECT id, username, email, password_hash, import_id FROM users WHERE lower(username) = 'dave'");
  assert.equal(here.length, 1);
  assert.equal(here[0].username, 'Dave');
  assert.equal(here[0].email, 'dave@here.test');
  assert.equal(here[0].import_id, null);
  assert.match(here[0].password_hash, /^\$argon2id\$/);
  assert.equal(dbQuery(server, `SELECT count(*) AS n FROM messages WHERE user_id = ${here[0].id}`)[0].n, 0);
  const c = new Client(server.url);
  await login(c, 'dave', pw.dave);
  assert.equal(await isLoggedIn(c), false, 'the Django password opens the account here');
});

test('importing again adds nothing', async () => {
  const before = counts();
  const again = await importDjango();
  assertNoSanitizerReport(again.stderr, 'llmmeta import-django');
  assert.equal(again.code, 0, again.stdout + again.stderr);
  assert.deepEqual(counts(), before);
  assert.match(again.stdout, /^skipped alice: imported before \(user id \d+ here\)$/m);
  assert.match(again.stdout, /^skipped bob: imported before/m);
  assert.match(again.stdout, /^skipped dave: a user of that name already exists here/m);
  assert.match(again.stdout, /^llmmeta: imported 0 users, 0 conversations, 0 messages, 0 files; skipped 5 users/m);
});

test('import-django refuses a missing database and a bad URL with one line', async () => {
  for (const url of [`sqlite://${join(dir, 'nothing.sqlite3')}`, 'mysql://x/y']) {
    const r = await runCli(['import-django', url], { env: server.env });
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^llmmeta: the Django database: /);
  }
  const help = await runCli(['import-django', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--media DIR/);
  const none = await runCli(['import-django'], { env: server.env });
  assert.notEqual(none.code, 0);
});

test('a user whose import fails leaves nothing behind, and comes over when the import runs again', async () => {
  const other = await startServer();
  try {
    // Storing a file fails: alice (who has one) fails, the others do not.
    dbExec(other, failingInsertSql(other.db.backend, 'uploads'));
    const run = () => runCli(['import-django', '--media', media, django.url], { env: other.env, timeout: 60000 });
    const r = await run();
    assertNoSanitizerReport(r.stderr, 'llmmeta import-django');
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^FAILED alice: nothing of theirs imported: .*injected failure/m);
    assert.match(r.stdout, /^imported bob, inactive/m);
    assert.match(r.stdout, /; 1 users failed$/m);
    assert.deepEqual(dbQuery(other, "SELECT username FROM users WHERE import_id IS NOT NULL ORDER BY import_id").map((u) => u.username),
      ['bob', 'dave', 'erin', 'frank']);
    assert.equal(dbQuery(other, `SELECT count(*) AS n FROM conversations WHERE uuid = '${CONV_URL}'`)[0].n, 0, 'half of alice kept');
    assert.equal(dbQuery(other, 'SELECT count(*) AS n FROM messages WHERE import_id IN (10, 11, 12)')[0].n, 0, 'half of alice kept');

    dbExec(other, dropFailingInsertSql(other.db.backend, 'uploads'));
    const again = await run();
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^imported alice, administrator \(id \d+ here\): 2 conversations, 3 messages, 1 files$/m);
    assert.match(again.stdout, /^skipped bob: imported before/m);
    assert.match(again.stdout, /^llmmeta: imported 1 users, 2 conversations, 3 messages, 1 files; skipped 4 users/m);
    assert.equal(dbQuery(other, 'SELECT count(*) AS n FROM messages')[0].n, 6);
  } finally {
    await other.stop();
  }
});
