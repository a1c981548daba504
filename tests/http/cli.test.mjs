// Command line: --help, help [COMMAND], --version, start-up refusal of bad PORT / DATABASE_URL /
// SECRET_KEY (non-zero exit, one line naming the variable), serve --port, migrate twice,
// createuser (--admin shows the Admin link; duplicates refused).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { runCli, startServer, freshDatabase, freePort, Client, uniq, assertNoSanitizerReport, BIN, appEnv } from '../lib/server.mjs';
import { login, goodPassword } from '../lib/flows.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

test('--help prints usage with the subcommands and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /usage/i);
  for (const cmd of ['serve', 'migrate', 'createuser']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`), `--help does not mention ${cmd}`);
  assertNoSanitizerReport(r.stderr);
});

test('CMD --help prints that command\'s usage and exits 0', async () => {
  const r = await runCli(['createuser', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /--username/);
  assert.match(r.stdout, /--password-stdin/);
});

test('help [COMMAND] prints what --help and COMMAND --help print; help of no such command exits 2', async () => {
  const all = await runCli(['help']);
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout, (await runCli(['--help'])).stdout);
  for (const cmd of ['serve', 'migrate', 'createuser', 'setadmin', 'export', 'import-django', 'apikey']) {
    const one = await runCli(['help', cmd]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`^Usage: llmmeta ${cmd}\\b`));
    assert.equal(one.stdout, (await runCli([cmd, '--help'])).stdout);
  }
  const none = await runCli(['help', 'frobnicate']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no command 'frobnicate'/);
  assert.equal(none.stdout, '');
});

test('--version prints "llmmeta X.Y.Z", the same version as /about/', async () => {
  const r = await runCli(['--version']);
  assert.equal(r.code, 0, r.stderr);
  const m = /^llmmeta (\d+\.\d+\.\d+)\s*$/.exec(r.stdout);
  assert.ok(m, `--version printed ${JSON.stringify(r.stdout)}`);
  const about = await new Client(server.url).get('/about/');
  assert.ok(about.text.includes(m[1]), `/about/ does not show version ${m[1]}`);
});

test('an unknown subcommand fails with a message', async () => {
  const r = await runCli(['frobnicate']);
  assert.notEqual(r.code, 0);
  assert.ok(r.stderr.trim().length > 0, 'no error message');
});

const badEnv = [
  ['PORT', 'abc'], ['PORT', '70000'], ['PORT', '-1'], ['PORT', '80x'],
  ['DATABASE_URL', 'mysql://u@127.0.0.1/db'], ['DATABASE_URL', 'not a url'],
  ['DATABASE_URL', 'postgres://u@127.0.0.1:99999/db'],
  ['SECRET_KEY', 'too-short'],
];
for (const [name, value] of badEnv) {
  test(`serve refuses ${name}=${JSON.stringify(value)} at once, naming ${name}`, async () => {
    const db = freshDatabase();
    try {
      const r = await runCli(['serve'], { env: { DATABASE_URL: db.url, [name]: value }, timeout: 10000 });
      assert.notEqual(r.code, 0, `exit status ${r.code}`);
      assert.equal(r.signal, null);
      assert.doesNotMatch(r.stdout, /listening/, 'it started listening');
      const lines = r.stderr.trim().split('\n');
      assert.ok(lines.some((l) => l.includes(name)), `stderr does not name ${name}: ${r.stderr}`);
      assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
      assertNoSanitizerReport(r.stderr);
    } finally { db.cleanup(); }
  });
}

test('serve --port N overrides PORT and SIGTERM exits 0', async () => {
  const db = freshDatabase();
  try {
    assert.equal((await runCli(['migrate'], { env: { DATABASE_URL: db.url } })).code, 0);
    const port = await freePort();
    const proc = spawn(BIN, ['serve', '--port', String(port)], { env: appEnv({ DATABASE_URL: db.url, PORT: '0' }) });
    let out = '', err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    const exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
    for (let i = 0; i < 100 && !/listening/.test(out) && proc.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(out.includes(`llmmeta: listening on http://127.0.0.1:${port}/`), `stdout: ${out}\nstderr: ${err}`);
    assert.equal((await new Client(`http://127.0.0.1:${port}`).get('/about/')).status, 200);
    proc.kill('SIGTERM');
    const { code, signal } = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null }, err);
    assertNoSanitizerReport(err);
  } finally { db.cleanup(); }
});

test('migrate is idempotent', async () => {
  for (let i = 0; i < 2; i++) {
    const r = await runCli(['migrate'], { env: server.env });
    assert.equal(r.code, 0, `migrate #${i + 2}: ${r.stderr}`);
  }
  assert.equal((await new Client(server.url).get('/health/')).status, 200);
});

test('createuser --admin: the admin logs in and sees the Admin link; a normal user does not', async () => {
  const admin = { username: uniq('boss'), email: `${uniq('boss')}@mail.test`, password: goodPassword() };
  const r = await runCli(['createuser', '--username', admin.username, '--email', admin.email, '--admin', '--password-stdin'],
    { env: server.env, input: `${admin.password}\n` });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!(r.stdout + r.stderr).includes(admin.password), 'the password was printed');
  const c = new Client(server.url);
  const li = await login(c, admin.username, admin.password);
  assert.equal(li.status, 302, li.text.slice(0, 1000));
  const home = await c.get('/');
  assert.ok(home.text.includes(admin.username));
  assert.match(home.text, /<a\b[^>]*href="\/admin\/"[^>]*>\s*Admin\s*<\/a>/, 'no Admin link for the admin');

  const plain = { username: uniq('pleb'), email: `${uniq('pleb')}@mail.test`, password: goodPassword() };
  const r2 = await runCli(['createuser', '--username', plain.username, '--email', plain.email, '--password-stdin'],
    { env: server.env, input: `${plain.password}\n` });
  assert.equal(r2.code, 0, r2.stderr);
  const c2 = new Client(server.url);
  assert.equal((await login(c2, plain.username, plain.password)).status, 302);
  const home2 = await c2.get('/');
  assert.ok(home2.text.includes(plain.username));
  assert.doesNotMatch(home2.text, /href="\/admin\/"/, 'a normal user sees the Admin link');
});

test('createuser refuses a duplicate username and an empty password', async () => {
  const u = { username: uniq('twice'), email: `${uniq('twice')}@mail.test`, password: goodPassword() };
  const args = (email) => ['createuser', '--username', u.username, '--email', email, '--password-stdin'];
  assert.equal((await runCli(args(u.email), { env: server.env, input: `${u.password}\n` })).code, 0);
  const dup = await runCli(args(`other-${u.email}`), { env: server.env, input: `${u.password}\n` });
  assert.notEqual(dup.code, 0, 'a duplicate username was accepted');
  assert.ok(dup.stderr.trim(), 'no error message for the duplicate');
  const empty = await runCli(['createuser', '--username', uniq('nopw'), '--email', `${uniq('nopw')}@mail.test`, '--password-stdin'],
    { env: server.env, input: '' });
  assert.notEqual(empty.code, 0, 'an empty password was accepted');
});
