// systemd's service interface as a harness plays systemd: readiness (Type=notify:
// READY=1 on $NOTIFY_SOCKET once requests are served, STOPPING=1 on SIGTERM, to a
// socket path or an abstract name) and socket activation (llmmeta.socket: the
// listening socket passed as descriptor 3 with LISTEN_FDS=1 and LISTEN_PID, served
// in place of PORT; one meant for another process ignored; two refused). Node has no
// AF_UNIX datagram sockets: perl (perl-base, on every Debian system) receives them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, appEnv, runCli, freshDatabase, freePort, startServer, Client, assertNoSanitizerReport, sleep } from '../lib/server.mjs';

/** A datagram receiver on `name` (a path, or '@name': abstract): { lines, wait(re), close() }. */
async function notifyListener(name) {
  const p = spawn('perl', ['-MIO::Socket::UNIX', '-MSocket', '-e', `
    $| = 1; my $n = $ARGV[0]; $n =~ s/^@/\\0/;
    my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $n) or die "bind: $!";
    print "bound\\n";
    while (defined $s->recv(my $m, 4096)) { $m =~ s/\\n/|/g; print "$m\\n"; }`, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stdout.on('data', (d) => { out += d; });
  p.stderr.on('data', (d) => { err += d; });
  const wait = async (re, ms = 10000) => {
    for (let t = 0; t < ms && !re.test(out); t += 50) await sleep(50);
    assert.match(out, re, `notifications received: ${JSON.stringify(out)} ${err}`);
  };
  await wait(/^bound$/m);
  return { get lines() { return out.split('\n').filter((l) => l && l !== 'bound'); }, wait, close: () => p.kill() };
}

for (const kind of ['a path', 'an abstract name']) {
  test(`Type=notify: READY=1 arrives on NOTIFY_SOCKET (${kind}) once the server answers, STOPPING=1 on SIGTERM`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmmeta-notify-'));
    const name = kind === 'a path' ? join(dir, 'notify') : `@llmmeta-test-${process.pid}-${Date.now()}`;
    const l = await notifyListener(name);
    let server;
    try {
      server = await startServer({ env: { NOTIFY_SOCKET: name } });
      await l.wait(/^READY=1$/m);
      assert.equal((await new Client(server.url).get('/health/')).status, 200);
      assert.ok(!l.lines.includes('STOPPING=1'), 'STOPPING=1 before any signal');
      await server.stop();
      await l.wait(/^STOPPING=1$/m);
      assert.deepEqual(l.lines, ['READY=1', 'STOPPING=1']);
    } finally { await server?.stop(); l.close(); rmSync(dir, { recursive: true, force: true }); }
  });
}

test('without NOTIFY_SOCKET nothing is sent and the server starts as before', async () => {
  const server = await startServer();
  try {
    assert.equal((await new Client(server.url).get('/health/')).status, 200);
    assert.doesNotMatch(server.stderr(), /NOTIFY_SOCKET/);
  } finally { await server.stop(); }
});

/**
 * Starts `llmmeta serve` with a listening socket as descriptor 3, LISTEN_FDS=fds and
 * LISTEN_PID = its own pid (sh's $$ is the pid exec keeps) unless pid is given.
 * Returns { proc, out(), err(), exited, port (of the socket passed) }.
 */
async function activated(db, { fds = 1, pid = '$$', env = {} } = {}) {
  const sock = net.createServer();
  await new Promise((r) => sock.listen(0, '127.0.0.1', r));
  const { port } = sock.address();
  const proc = spawn('sh', ['-c', `LISTEN_PID=${pid} LISTEN_FDS=${fds} exec "$0" serve`, BIN], {
    env: appEnv({ DATABASE_URL: db.url, ...env }), stdio: ['ignore', 'pipe', 'pipe', sock._handle.fd],
  });
  sock.close(); // the child holds its own copy; this process must not accept on it
  let out = '', err = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
  return { proc, out: () => out, err: () => err, exited, port };
}

async function waitFor(fn, what, ms = 20000) {
  for (let t = 0; t < ms && !fn(); t += 50) await sleep(50);
  assert.ok(fn(), what());
}

test('socket activation: LISTEN_FDS=1 for this pid: requests are served on the socket passed, not on PORT', async () => {
  const db = freshDatabase();
  try {
    assert.equal((await runCli(['migrate'], { env: { DATABASE_URL: db.url } })).code, 0);
    const unused = await freePort();
    const s = await activated(db, { env: { PORT: String(unused) } });
    try {
      await waitFor(() => /listening/.test(s.out()) || s.proc.exitCode !== null, () => `stdout: ${s.out()}\nstderr: ${s.err()}`);
      assert.ok(s.out().includes(`llmmeta: listening on http://127.0.0.1:${s.port}/ (the socket systemd passed)`), s.out());
      const c = new Client(`http://127.0.0.1:${s.port}`);
      assert.equal((await c.get('/health/')).status, 200);
      assert.equal((await c.get('/about/')).status, 200);
      await assert.rejects(new Client(`http://127.0.0.1:${unused}`).get('/health/'), 'PORT was bound as well');
    } finally {
      s.proc.kill('SIGTERM');
      const { code, signal } = await s.exited;
      assertNoSanitizerReport(s.err());
      assert.equal(signal, null);
      assert.equal(code, 0, s.err());
    }
  } finally { db.cleanup(); }
});

test('socket activation: a LISTEN_PID of another process is ignored (PORT is bound), LISTEN_FDS=2 is refused', async () => {
  const db = freshDatabase();
  try {
    assert.equal((await runCli(['migrate'], { env: { DATABASE_URL: db.url } })).code, 0);
    const own = await freePort();
    const other = await activated(db, { pid: String(process.pid), env: { PORT: String(own) } });
    try {
      await waitFor(() => /listening/.test(other.out()) || other.proc.exitCode !== null, () => other.err());
      assert.ok(other.out().includes(`llmmeta: listening on http://127.0.0.1:${own}/\n`), other.out());
      assert.equal((await new Client(`http://127.0.0.1:${own}`).get('/health/')).status, 200);
    } finally {
      other.proc.kill('SIGTERM');
      assert.equal((await other.exited).code, 0, other.err());
    }
    const two = await activated(db, { fds: 2 });
    const { code } = await two.exited;
    assert.notEqual(code, 0);
    assert.doesNotMatch(two.out(), /listening/);
    assert.match(two.err(), /LISTEN_FDS: more than one socket/);
    assertNoSanitizerReport(two.err());
  } finally { db.cleanup(); }
});
