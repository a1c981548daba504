// llmmeta setadmin USERNAME on|off: grants and takes away the administrator right
// (the Admin link follows at the next page), says what changed or that nothing did,
// finds the user in any case, and refuses an unknown user or a bad argument with one
// line and a non-zero exit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, runCli, createUser, dbQuery, Client, assertNoSanitizerReport } from '../lib/server.mjs';
import { login, newUser } from '../lib/flows.mjs';

let server, user;
before(async () => {
  server = await startServer();
  user = newUser('adm');
  const r = await createUser(server, user);
  assert.equal(r.code, 0, r.stderr);
});
after(async () => { await server?.stop(); });

async function setadmin(...args) {
  const r = await runCli(['setadmin', ...args], { env: server.env });
  assertNoSanitizerReport(r.stderr, 'llmmeta setadmin');
  return r;
}
const isAdmin = () => dbQuery(server, `SELECT is_admin FROM users WHERE username = '${user.username}'`)[0].is_admin;
async function seesAdminLink() {
  const c = new Client(server.url);
  assert.equal((await login(c, user.username, user.password)).status, 302);
  return /href="\/admin\/"/.test((await c.get('/')).text);
}

test('on grants the right, once; off takes it away, once', async () => {
  assert.equal(isAdmin(), 0);
  assert.equal(await seesAdminLink(), false);

  let r = await setadmin(user.username.toUpperCase(), 'on');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `llmmeta: ${user.username.toUpperCase()} is now an administrator\n`);
  assert.equal(isAdmin(), 1);
  assert.equal(await seesAdminLink(), true);

  r = await setadmin(user.username, 'on');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /was already an administrator: nothing changed/);
  assert.equal(isAdmin(), 1);

  r = await setadmin(user.username, 'off');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `llmmeta: ${user.username} is no longer an administrator\n`);
  assert.equal(isAdmin(), 0);
  assert.equal(await seesAdminLink(), false);

  r = await setadmin(user.username, 'off');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /was not an administrator: nothing changed/);
  assert.equal(isAdmin(), 0);
});

test('an unknown user: non-zero, one line naming them, nothing changed', async () => {
  const before = dbQuery(server, 'SELECT count(*) AS n FROM users WHERE is_admin = 1')[0].n;
  const r = await setadmin('nobody_here', 'on');
  assert.notEqual(r.code, 0);
  assert.equal(r.stderr, 'llmmeta: no user named nobody_here\n');
  assert.equal(dbQuery(server, 'SELECT count(*) AS n FROM users WHERE is_admin = 1')[0].n, before);
});

test('a bad argument: non-zero with one line, nothing changed', async () => {
  for (const args of [[user.username, 'yes'], [user.username, 'ON'], [user.username], [], [user.username, 'on', 'extra']]) {
    const r = await setadmin(...args);
    assert.notEqual(r.code, 0, `setadmin ${args.join(' ')} succeeded`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^llmmeta: setadmin takes a USERNAME and on or off/);
  }
  assert.equal(isAdmin(), 0);
});

test('setadmin --help describes it', async () => {
  const r = await runCli(['setadmin', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: llmmeta setadmin USERNAME on\|off$/m);
  const all = await runCli(['--help']);
  assert.match(all.stdout, /setadmin USERNAME on\|off/);
  assert.match(all.stdout, /import-django/);
});
