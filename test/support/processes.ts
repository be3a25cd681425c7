/**
 * The production shape in tests: `certbroker serve` / `worker` processes of the real CLI against one
 * PostgreSQL, with the environment they share, and the helpers to wait on them without fixed sleeps.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { SmtpSink } from '../../src/mail/sink.js';

export const BIN = resolve('bin/certbroker.js');

/** Polls `check` until it gives a value (bounded): tests wait on conditions, never on fixed sleeps. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Secrets every process of one deployment shares through the environment. */
export function processSecrets() {
  return {
    CA_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ACME_ACCOUNT_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DKIM_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    REPLY_SIGNING_KEY: randomBytes(32).toString('base64'),
  };
}

/** The environment of a `serve` or `worker` process of the test deployment. */
export function productionEnv(options: { databaseUrl: string; smtpPort: number; dataDir: string; secrets: Record<string, string> }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...options.secrets,
    DATABASE_URL: options.databaseUrl,
    SMTP_URL: `smtp://127.0.0.1:${options.smtpPort}`,
    MAIL_DOMAIN: 'mail.example.net',
    PLATFORM_NAME: 'certbroker',
    PUBLIC_BASE_URL: 'https://portal.certbroker.test',
    WEBHOOK_ALLOW_PRIVATE_TARGETS: '1',
    CERTBROKER_DATA_DIR: options.dataDir,
  };
}

/** Approves, on the embedded CA's site, every approval email in the sink not yet in `approved` (the approver clicking). */
export async function approveArrived(sink: Pick<SmtpSink, 'messages'>, approved: Set<string>): Promise<void> {
  for (const m of sink.messages()) {
    const url = /(http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]+)/.exec(m.text ?? '')?.[1];
    const code = /Approval code: (\S+)/.exec(m.text ?? '')?.[1];
    if (!url || !code || approved.has(url)) continue;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(code)}` });
    if (res.status === 200) approved.add(url);
  }
}

/**
 * Starts a `serve` or `worker` process of the real CLI. Its stdout (the pino JSON lines) is always read,
 * so a full pipe never blocks the process; error lines, and anything on stderr,
 * go to `report` with the role in front.
 */
export function spawnRole(role: 'serve' | 'worker', env: NodeJS.ProcessEnv, report: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): ChildProcess {
  const child = spawn(process.execPath, [BIN, role], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (chunk: Buffer, all: boolean): void => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() !== '' && (all || /"level":(50|60)/.test(line))) report(`[${role}] ${line.slice(0, 1500)}`);
    }
  };
  child.stdout?.on('data', (chunk: Buffer) => forward(chunk, false));
  child.stderr?.on('data', (chunk: Buffer) => forward(chunk, true));
  return child;
}

/** Stops a child process and waits for it to exit. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill(signal);
  });
}

/** Runs a CLI admin command and reads its JSON answer. */
export async function cliJson<T>(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<T> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, INBOUND_SMTP_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`certbroker ${args.join(' ')} exited with ${code}: ${err}`);
  return JSON.parse(out) as T;
}
