// Test harness: start/stop an llmmeta server on a fresh database, run CLI commands,
// create users. Re-exports the HTTP client helpers from client.mjs.
//
// Env: LLMMETA_BIN (default <repo>/build/llmmeta), TEST_DATABASE_URL_BASE (unset = SQLite
// in a temp dir per server; e.g. postgres://postgres@127.0.0.1:5433 = a fresh database
// per server, created and dropped with psql).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import assert from 'node:assert/strict';

export * from './client.mjs';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.LLMMETA_BIN ? resolve(process.env.LLMMETA_BIN) : join(REPO_ROOT, 'build', 'llmmeta');
export const PG_BASE = (process.env.TEST_DATABASE_URL_BASE || '').replace(/\/+$/, '');
export const BACKEND = PG_BASE ? 'postgres' : 'sqlite';
export const PSQL = ['/usr/lib/postgresql/15/bin/psql', '/usr/bin/psql'].find((p) => existsSync(p)) || 'psql';
export const SECRET_KEY = 'test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz';

const SANITIZER_MARKS = ['ERROR: AddressSanitizer', 'runtime error:', 'LeakSanitizer'];

/** A unique, lower-case, identifier-safe name. */
let counter = 0;
export function uniq(prefix = 'u') {
  return `${prefix}${process.pid.toString(36)}${(++counter).toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Assert that a finished process's stderr shows no sanitizer report. */
export function assertNoSanitizerReport(stderr, what = 'process') {
  for (const mark of SANITIZER_MARKS) {
    assert.ok(!stderr.includes(mark), `${what} stderr contains "${mark}":\n${stderr.slice(-4000)}`);
  }
}

function psql(dbUrl, sql) {
  const r = spawnSync(PSQL, [dbUrl, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql ${sql} failed: ${r.stderr || r.error}`);
}

/** A fresh, empty database: { url, backend, cleanup() }. */
export function freshDatabase() {
  if (PG_BASE) {
    const name = uniq('llmmeta_t_');
    psql(`${PG_BASE}/postgres`, `CREATE DATABASE ${name}`);
    return {
      url: `${PG_BASE}/${name}`, backend: 'postgres', name,
      cleanup() { try { psql(`${PG_BASE}/postgres`, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); } catch { /* cluster may be down */ } },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'llmmeta-test-'));
  return { url: `sqlite://${join(dir, 'llmmeta.db')}`, backend: 'sqlite', dir, cleanup() { rmSync(dir, { recursive: true, force: true }); } };
}

/** Environment for the binary: the caller's, minus inherited app settings, plus ours. */
export function appEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['PORT', 'BIND', 'DATABASE_URL', 'SECRET_KEY', 'PUBLIC_URL', 'MAX_UPLOAD_BYTES', 'LLMMETA_PROVIDERS',
    'LLM_API_URL', 'API_URL', 'LLM_API_KEY', 'API_KEY', 'LLM_MODELS', 'LLM_API_TYPE', 'LLM_UNSUPPORTED']) delete env[k];
  // No provider unless a test brings one: a closed port, so nothing is discovered.
  return { ...env, PORT: '0', BIND: '127.0.0.1', SECRET_KEY, LLM_API_URL: 'http://127.0.0.1:9/v1', ...extra };
}

/** Run the binary to completion: { code, signal, stdout, stderr }. */
export function runCli(args, { env = {}, input, timeout = 30000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(BIN, args, { env: appEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${BIN} ${args.join(' ')}: no exit after ${timeout} ms\n${stderr}`)); }, timeout);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => { clearTimeout(timer); resolvePromise({ code, signal, stdout, stderr }); });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/**
 * Start `llmmeta serve` on a fresh database (or opts.db) after `llmmeta migrate`.
 * Returns { url, port, db, env, proc, stderr(), stop() }; stop() asserts a clean exit.
 */
export async function startServer({ env = {}, db = freshDatabase(), migrate = true, timeout = 30000, bin = BIN } = {}) {
  assert.ok(existsSync(bin), `llmmeta binary not found at ${bin} (build it with make, or set LLMMETA_BIN)`);
  const fullEnv = { DATABASE_URL: db.url, ...env };
  if (migrate) {
    const m = await runCli(['migrate'], { env: fullEnv });
    try {
      assertNoSanitizerReport(m.stderr, 'llmmeta migrate');
      assert.equal(m.code, 0, `llmmeta migrate failed (exit ${m.code}):\n${m.stderr}`);
    } catch (e) { db.cleanup(); throw e; }
  }
  const proc = spawn(bin, ['serve'], { env: appEnv(fullEnv), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  const exited = new Promise((r) => proc.on('close', (code, signal) => r({ code, signal })));
  proc.stderr.on('data', (d) => { stderr += d; if (stderr.length > 8e6) stderr = stderr.slice(-4e6); });
  const port = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server not ready after ${timeout} ms\nstdout:${stdout}\nstderr:${stderr}`)), timeout);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = /llmmeta: listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (m) { clearTimeout(timer); res(Number(m[1])); }
    });
    exited.then(({ code, signal }) => { clearTimeout(timer); rej(new Error(`server exited early (code ${code}, signal ${signal})\nstdout:${stdout}\nstderr:${stderr}`)); });
  }).catch((e) => { proc.kill('SIGKILL'); db.cleanup(); throw e; });
  let stopped = null;
  const server = {
    url: `http://127.0.0.1:${port}`, port, db, env: fullEnv, proc,
    stderr: () => stderr,
    exited,
    /** SIGTERM, wait, assert exit 0 and no sanitizer report, drop the database. */
    async stop({ cleanup = true } = {}) {
      if (!stopped) {
        stopped = (async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
          const killer = setTimeout(() => proc.kill('SIGKILL'), 15000);
          const { code, signal } = await exited;
          clearTimeout(killer);
          if (cleanup) db.cleanup();
          assertNoSanitizerReport(stderr, 'llmmeta serve');
          assert.equal(signal, null, `server was killed by ${signal} (no exit within 15 s of SIGTERM?)\n${stderr.slice(-3000)}`);
          assert.equal(code, 0, `server exit status ${code} after SIGTERM\n${stderr.slice(-3000)}`);
        })();
      }
      return stopped;
    },
  };
  return server;
}

/** `llmmeta createuser` against the server's database. */
export async function createUser(server, { username, email, password, admin = false }) {
  const args = ['createuser', '--username', username, '--email', email, ...(admin ? ['--admin'] : []), '--password-stdin'];
  const r = await runCli(args, { env: server.env ?? server, input: `${password}\n` });
  assertNoSanitizerReport(r.stderr, 'llmmeta createuser');
  return r;
}

/** A free TCP port on 127.0.0.1 (for things we start ourselves, e.g. a postgres cluster). */
export function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Rows of a query against a server's database, as objects (column -> value, numbers
 * as numbers, NULL as null): sqlite3 -json for SQLite, json_agg through psql for
 * PostgreSQL. For reading what llmmeta recorded; tests never write this way.
 */
export function dbQuery(server, sql) {
  const { db } = server;
  let out;
  if (db.backend === 'postgres') {
    const r = spawnSync(PSQL, [db.url, '-At', '-v', 'ON_ERROR_STOP=1', '-c', `SELECT coalesce(json_agg(t), '[]') FROM (${sql}) t`], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
    out = r.stdout;
  } else {
    const path = db.url.replace(/^sqlite:\/\//, '');
    const r = spawnSync('sqlite3', ['-json', path, sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
    out = r.stdout.trim() || '[]';
  }
  return JSON.parse(out);
}

/**
 * Runs statements against a server's database behind its back. Only for injecting
 * faults (a trigger that makes writes fail, a row moved out of reach); what llmmeta
 * records is read with dbQuery.
 */
export function dbExec(server, sql) {
  const { db } = server;
  const r = db.backend === 'postgres'
    ? spawnSync(PSQL, [db.url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' })
    : spawnSync('sqlite3', ['-cmd', '.timeout 5000', db.url.replace(/^sqlite:\/\//, ''), sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${db.backend}: ${r.stderr}`);
}

/**
 * Waits (bounded) until the server's log matches re: request lines are written in
 * batches after the answer has gone, later still on a loaded machine. Resolves
 * with whether it did; the caller asserts.
 */
export async function waitForLog(server, re, ms = 10000) {
  for (const end = Date.now() + ms; !re.test(server.stderr()) && Date.now() < end;) await sleep(50);
  return re.test(server.stderr());
}

/** An unlabelled counter or gauge from the server's /metrics (started with METRICS_TOKEN=token). */
export async function metricValue(server, name, token) {
  const r = await fetch(`${server.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  const text = await r.text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  if (!m) throw new Error(`/metrics (HTTP ${r.status}) has no ${name}`);
  return Number(m[1]);
}

/**
 * Waits until the server has read `n` more request heads than when `before` was
 * read from llmmeta_http_requests_in_flight (the /metrics request itself counts
 * in both); throws after `ms`. Resolves with the milliseconds it took.
 */
export async function headsRead(server, token, before, n, ms = 60000) {
  const t0 = Date.now();
  let now = before;
  while ((now = await metricValue(server, 'llmmeta_http_requests_in_flight', token)) < before + n && Date.now() - t0 < ms) await sleep(50);
  if (now < before + n) throw new Error(`the server read ${now - before} of ${n} request heads in ${ms} ms`);
  return Date.now() - t0;
}

/**
 * Holds a write lock on `table` behind the server's back, so that a request which
 * writes to it waits (SQLite: up to the server's 10 s busy timeout; PostgreSQL: until
 * the lock goes), keeping the worker thread that runs it busy. Resolves once the lock
 * is held, with release() (resolves when it is gone).
 */
export async function holdWriteLock(server, table) {
  const { db } = server;
  const [cmd, args, sql] = db.backend === 'postgres'
    ? [PSQL, [db.url, '-q', '-At', '-v', 'ON_ERROR_STOP=1'], `BEGIN; LOCK TABLE ${table} IN EXCLUSIVE MODE; SELECT 'locked';\n`]
    : ['sqlite3', [db.url.replace(/^sqlite:\/\//, '')], `.timeout 5000\nBEGIN IMMEDIATE; SELECT 'locked';\n`];
  const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  p.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((r) => p.on('exit', r));
  await new Promise((resolve, reject) => {
    p.stdout.on('data', (d) => { out += d; if (out.includes('locked')) resolve(); });
    exited.then((code) => reject(new Error(`${cmd} exited (${code}) before the lock was held: ${err}`)));
    p.stdin.write(sql);
  });
  return { release: () => { p.stdin.end('COMMIT;\n'); return exited; } };
}

/** SQL that makes every INSERT into `table` fail, on either backend (undo: dropFailingInsert). */
export function failingInsertSql(backend, table) {
  return backend === 'postgres'
    ? `CREATE FUNCTION fail_${table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;
       CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION fail_${table}();`
    : `CREATE TRIGGER fail_${table} BEFORE INSERT ON ${table} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;`;
}

export function dropFailingInsertSql(backend, table) {
  return backend === 'postgres'
    ? `DROP TRIGGER fail_${table} ON ${table}; DROP FUNCTION fail_${table}();`
    : `DROP TRIGGER fail_${table};`;
}
