// The PostgreSQL cluster a test may stop and start: the one make test started
// (PG_CLUSTER_DIR, shared: run such files with --test-concurrency=1) or a private
// throwaway one. { base, stop(), start(), fresh(prefix) -> db, close() }.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, PG_BASE, PSQL, freePort, uniq } from './server.mjs';

const SCRIPT = join(REPO_ROOT, 'scripts', 'pg-cluster.sh');

export async function pgCluster() {
  let dir = process.env.PG_CLUSTER_DIR, port, base, own = false;
  const run = (cmd) => execFileSync('bash', [SCRIPT, cmd, dir, String(port)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  if (dir) {
    port = new URL(PG_BASE).port || '5432';
    base = PG_BASE;
  } else {
    own = true;
    dir = mkdtempSync(join(tmpdir(), 'llmmeta-pg-'));
    port = await freePort();
    base = run('start');
  }
  return {
    base, port,
    stop: () => run('stop'),
    start: () => run('start'),
    /** A new database in the cluster, as startServer takes it. */
    fresh(prefix) {
      const name = uniq(prefix);
      execFileSync(PSQL, [`${base}/postgres`, '-q', '-c', `CREATE DATABASE ${name}`]);
      return {
        url: `${base}/${name}`, backend: 'postgres',
        cleanup() { try { execFileSync(PSQL, [`${base}/postgres`, '-q', '-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]); } catch { /* down */ } },
      };
    },
    close() {
      if (!own) return;
      try { run('stop'); } catch { /* already down */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
