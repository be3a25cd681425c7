import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, POSTGRES_AVAILABLE } from './support/databases.js';

const BIN = resolve('bin/certbroker.js');

function cli(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts `certbroker start` and resolves once it printed its API address. */
function start(env: Record<string, string>): Promise<{ child: ChildProcessWithoutNullStreams; base: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...env } });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /API\s+(http:\/\/\S+)\/v1/.exec(output);
      if (match && output.includes('Demo credentials:')) resolvePromise({ child, base: match[1] as string, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`start exited with ${code}: ${output}`)));
  });
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolvePromise) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolvePromise(code));
    child.kill('SIGTERM');
  });
}

describe('certbroker CLI on the embedded default (PGlite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-cli-'));
  const env = { CERTBROKER_DATA_DIR: dir, PORT: '0', DATABASE_URL: '' };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start seeds the demo once, holds the lock, and admin commands go through the running server', async () => {
    const server = await start(env);
    try {
      expect(server.output()).toContain('First start: demo accounts created');
      const lock = JSON.parse(readFileSync(join(dir, 'certbroker.lock'), 'utf8')) as { pid: number; port: number; adminToken: string };
      expect(lock.pid).toBe(server.child.pid);
      expect(server.base).toContain(`:${lock.port}`);
      expect(statSync(join(dir, 'certbroker.lock')).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'demo-credentials.json')).mode & 0o777).toBe(0o600);
      const demo = JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8')) as { reseller: { apiKey: string } };
      const account = (await (await fetch(`${server.base}/v1/account`, { headers: { authorization: `Bearer ${demo.reseller.apiKey}` } })).json()) as { balance: unknown };
      expect(account.balance).toEqual({ amount: 50000, currency: 'EUR' });
      // The printed portal user signs in to the portal of the running server.
      const portal = (JSON.parse(readFileSync(join(dir, 'demo-credentials.json'), 'utf8')) as { portal: { url: string; email: string; password: string } }).portal;
      expect(server.output()).toContain(`sign in as ${portal.email} / ${portal.password}`);
      const signedIn = await fetch(`${server.base}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: portal.email, password: portal.password }) });
      expect(signedIn.status).toBe(201);

      const second = cli(['start'], env);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(`in use by process ${server.child.pid}`);

      const created = cli(['reseller', 'create', '--name', 'Web Host AG', '--rep-email', 'rep@example.com', '--currency', 'EUR', '--json'], env);
      expect(created.stderr).toBe('');
      const { id, apiKey } = JSON.parse(created.stdout) as { id: string; apiKey: string };
      expect(id).toMatch(/^res_/);
      const topUp = cli(['reseller', 'top-up', id, '250.00', '--reference', 'wire-42'], env);
      expect(topUp.code).toBe(0);
      expect(cli(['reseller', 'top-up', id, '250.00', '--reference', 'wire-42'], env).code).toBe(0);
      const balance = (await (await fetch(`${server.base}/v1/account`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { balance: unknown };
      expect(balance.balance).toEqual({ amount: 25000, currency: 'EUR' });

      const bad = cli(['reseller', 'create', '--name', 'X', '--rep-email', 'not-an-address'], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('repEmail');
    } finally {
      expect(await stop(server.child)).toBe(0);
    }
    expect(existsSync(join(dir, 'certbroker.lock'))).toBe(false);
  });

  it('opens the folder itself when no server runs, takes over a stale lock, and later starts do not reseed', async () => {
    const staff = cli(['staff', 'create', '--email', 'ops@example.com', '--json'], env);
    expect(staff.code).toBe(0);
    expect(JSON.parse(staff.stdout)).toEqual({ id: expect.stringMatching(/^stf_/), apiKey: expect.stringMatching(/^sk_staff_/) });

    writeFileSync(join(dir, 'certbroker.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, port: 1, adminToken: 'stale' }), { mode: 0o600 });
    const server = await start(env);
    try {
      expect(server.output()).not.toContain('First start');
      expect(server.output()).toContain(`Demo credentials: ${join(dir, 'demo-credentials.json')}`);
      const staffKey = (JSON.parse(staff.stdout) as { apiKey: string }).apiKey;
      const list = (await (await fetch(`${server.base}/v1/staff/resellers`, { headers: { authorization: `Bearer ${staffKey}` } })).json()) as { data: { name: string }[] };
      expect(list.data.map((r) => r.name).sort()).toEqual(['Demo Hosting', 'Web Host AG']);
    } finally {
      await stop(server.child);
    }
  });
});

describe.skipIf(!POSTGRES_AVAILABLE)('certbroker CLI on postgres', () => {
  it('talks to the database directly', async () => {
    const db = await openPostgres({ migrate: false });
    try {
      const env = { DATABASE_URL: db.url, CERTBROKER_DATA_DIR: mkdtempSync(join(tmpdir(), 'cb-cli-pg-')) };
      expect(cli(['migrate'], env).stdout).toContain('Applied: 2026-11-26-0001-intake');
      expect(cli(['migrate'], env).stdout).toContain('up to date');
      const created = JSON.parse(cli(['reseller', 'create', '--name', 'PG Host', '--rep-email', 'rep@example.com', '--json'], env).stdout) as { id: string };
      const topped = JSON.parse(cli(['reseller', 'top-up', created.id, '10', '--json'], env).stdout) as { balanceAfter: unknown };
      expect(topped.balanceAfter).toEqual({ amount: 1000, currency: 'EUR' });
    } finally {
      await db.close();
    }
  });
});
