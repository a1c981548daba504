// Migrations when several instances share a database: instances started at the same
// moment on an empty database all come up, and each migration is applied exactly
// once (one instance migrates under a lock, the others wait, then find nothing to
// do); a binary older than the database's schema (it lacks a migration the
// database has) refuses to start with one line saying so, and one at the same
// version starts. On both backends; PostgreSQL is where instances really share one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BIN, appEnv, runCli, freshDatabase, dbQuery, dbExec, Client, assertNoSanitizerReport } from '../lib/server.mjs';

const INSTANCES = 3;

/** `llmmeta serve` on db with PORT=0: { proc, out(), err(), port (a promise), stop() }. */
function serve(db) {
  const proc = spawn(BIN, ['serve'], { env: appEnv({ DATABASE_URL: db.url }), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
  const port = new Promise((res, rej) => {
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (m) res(Number(m[1]));
    });
    exited.then(({ code }) => rej(new Error(`exited (${code}) before listening:\n${err}`)));
    setTimeout(() => rej(new Error(`not listening after 30 s:\n${err}`)), 30000).unref();
  });
  port.catch(() => {});
  return {
    proc, port, out: () => out, err: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const r = await exited;
      assertNoSanitizerReport(err);
      return r;
    },
  };
}

async function knownVersion() {
  const db = freshDatabase();
  try {
    const r = await runCli(['migrate'], { env: { DATABASE_URL: db.url } });
    assert.equal(r.code, 0, r.stderr);
    return Number(/schema version (\d+)/.exec(r.stdout)[1]);
  } finally { db.cleanup(); }
}

test(`${INSTANCES} instances started at once on an empty database all serve; each migration applied once`, async () => {
  const version = await knownVersion();
  assert.ok(version >= 2, `schema version ${version}`);
  const db = freshDatabase();
  const servers = [];
  try {
    for (let i = 0; i < INSTANCES; i++) servers.push(serve(db));
    const ports = await Promise.all(servers.map((s) => s.port));
    for (const p of ports) assert.equal((await new Client(`http://127.0.0.1:${p}`).get('/health/')).status, 200);
    const rows = dbQuery({ db }, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), Array.from({ length: version }, (_, i) => i + 1));
    // Each "applied migration N" line is written by exactly one instance.
    for (let v = 1; v <= version; v++) {
      const by = servers.filter((s) => new RegExp(`applied migration ${v}$`, 'm').test(s.err())).length;
      assert.equal(by, 1, `migration ${v} applied by ${by} instances:\n${servers.map((s) => s.err()).join('\n---\n').slice(-4000)}`);
    }
  } finally {
    for (const s of servers) {
      const { code, signal } = await s.stop();
      assert.equal(signal, null);
      assert.equal(code, 0, s.err());
    }
    db.cleanup();
  }
});

// The race is narrow (the first statement of every instance): many small rounds
// find it where one round of servers mostly would not.
const ROUNDS = 10, AT_ONCE = 4;
test(`${ROUNDS} rounds of ${AT_ONCE} 'llmmeta migrate' at once on an empty database: every one exits 0`, async () => {
  const version = await knownVersion();
  for (let round = 0; round < ROUNDS; round++) {
    const db = freshDatabase();
    try {
      const runs = await Promise.all(Array.from({ length: AT_ONCE }, () => runCli(['migrate'], { env: { DATABASE_URL: db.url } })));
      for (const r of runs) {
        assert.equal(r.code, 0, `round ${round}: ${r.stderr}`);
        assert.match(r.stdout, new RegExp(`schema version ${version}\\b`));
      }
      const applied = runs.reduce((n, r) => n + (r.stderr.match(/applied migration \d+$/gm) || []).length, 0);
      assert.equal(applied, version, `round ${round}: ${applied} migrations applied in all`);
    } finally { db.cleanup(); }
  }
});

test('a binary older than the database refuses migrate and serve with one line; at the same version it starts', async () => {
  const version = await knownVersion();
  const db = freshDatabase();
  try {
    assert.equal((await runCli(['migrate'], { env: { DATABASE_URL: db.url } })).code, 0);
    // The database at this binary's version: the last one accepted.
    const same = serve(db);
    await same.port;
    assert.equal((await same.stop()).code, 0, same.err());
    // One migration more, as a newer llmmeta would have recorded it.
    dbExec({ db }, `INSERT INTO schema_migrations (version, applied_at) VALUES (${version + 1}, 0)`);
    for (const cmd of ['migrate', 'serve']) {
      const r = await runCli([cmd], { env: { DATABASE_URL: db.url }, timeout: 15000 });
      assert.notEqual(r.code, 0, `${cmd} exited 0:\n${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout, /listening/);
      const lines = r.stderr.trim().split('\n').filter((l) => !/^\d{4}-\d\d-\d\dT/.test(l));
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`schema version ${version + 1}.*newer than this llmmeta.*${version}`), lines[0]);
      assertNoSanitizerReport(r.stderr);
    }
    const rows = dbQuery({ db }, 'SELECT count(*) AS n FROM schema_migrations');
    assert.equal(rows[0].n, version + 1, 'the refused binary changed schema_migrations');
  } finally { db.cleanup(); }
});
