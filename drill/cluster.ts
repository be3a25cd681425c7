/**
 * A throw-away PostgreSQL cluster for the failure drills, on a port of its own — never the shared
 * one. initdb refuses to run as root, so the cluster belongs to the `postgres` user (runuser).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = '/usr/lib/postgresql/15/bin';

/** Whether a throw-away cluster can be made here (PostgreSQL 15's binaries, runuser, a postgres user). */
export const CLUSTER_AVAILABLE = existsSync(`${BIN}/initdb`) && existsSync('/usr/sbin/runuser') && spawnSync('id', ['postgres']).status === 0 && process.getuid?.() === 0;

export interface Cluster {
  readonly url: string;
  /** `pg_ctl restart -m fast`: every connection is cut, the server comes back on the same port. */
  restart(): void;
  stop(): void;
}

function asPostgres(args: readonly string[]): string {
  return execFileSync('/usr/sbin/runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Makes, starts and fills in a cluster with a `drill` database; trust authentication on 127.0.0.1 only. */
export async function startCluster(port: number): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'drill-pg-'));
  chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const data = join(dir, 'data');
  asPostgres([`${BIN}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const ctl = (...args: string[]) => asPostgres([`${BIN}/pg_ctl`, '-D', data, '-l', join(dir, 'server.log'), '-o', options, '-w', ...args]);
  ctl('start');
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  await admin.query('create database drill');
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/drill`,
    restart: () => void ctl('-m', 'fast', 'restart'),
    stop: () => {
      try {
        ctl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
