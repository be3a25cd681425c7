import { parseArgs } from 'node:util';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CertbrokerError } from '../domain/errors.js';
import { formatMinor } from '../domain/money.js';
import { migrate, openStore } from '../store/database.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { acquireLock, readLock, type LockInfo } from './lock.js';
import { createHttpApp, type Platform } from './platform.js';
import { openRuntime, type Runtime } from './runtime.js';
import { generatePassword } from '../accounts/passwords.js';

const USAGE = `Usage: certbroker <command>

  start                          everything in one process on the embedded defaults
  serve                          the HTTP API and the embedded CA's site (production: needs DATABASE_URL)
  worker                         job handlers: suppliers, mail, webhooks (production: needs DATABASE_URL)
  migrate                        bring the database schema up to date
  reseller create --name NAME --rep-email EMAIL [--currency EUR] [--credit-limit MINOR] [--json]
  reseller top-up ID AMOUNT [--reference REF] [--json]     AMOUNT in major units, e.g. 250.00
  staff create --email EMAIL [--json]

Configuration comes from the environment; see README.md.`;

const DEMO_FILE = 'demo-credentials.json';

/** Runs one CLI command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const config = loadConfig();
    const [command, sub] = argv;
    if (command === 'start') return await start(config);
    if (command === 'serve') return await serve(config);
    if (command === 'worker') return await worker(config);
    if (command === 'migrate') return await runMigrate(config);
    if (command === 'reseller' && sub === 'create') return await resellerCreate(config, argv.slice(2));
    if (command === 'reseller' && sub === 'top-up') return await resellerTopUp(config, argv.slice(2));
    if (command === 'staff' && sub === 'create') return await staffCreate(config, argv.slice(2));
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  } catch (error) {
    process.stderr.write(`${describe(error)}\n`);
    return 1;
  }
}

function describe(error: unknown): string {
  if (error instanceof CertbrokerError) {
    return [error.message, ...error.fields.map((f) => `  ${f.path || '(body)'}: ${f.message}`)].join('\n');
  }
  if (error instanceof ConfigError || error instanceof Error) return error.message;
  return String(error);
}

/** `start`: API, workers and the embedded defaults in one process, holding the data folder's lock. */
async function start(config: Config): Promise<number> {
  const lock = acquireLock(config.dataDir, config.port);
  let runtime: Runtime | undefined;
  try {
    runtime = await openRuntime(config, 'start');
    const { platform } = runtime;
    const app = await createHttpApp(platform, { rateLimit: config.rateLimit, adminToken: lock.info.adminToken, secureCookies: config.publicBaseUrl.startsWith('https:'), ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }), ...(runtime.devClock !== undefined && { devClock: runtime.devClock }) });
    await app.listen({ port: config.port, host: config.host });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : config.port;
    lock.setPort(port);
    const base = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    await announce(platform, config, base, runtime);
    await untilSignal();
    await app.close();
    return 0;
  } finally {
    await runtime?.close();
    lock.release();
  }
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** Seeds the demo accounts on the first start; later starts say where their credentials are. */
async function announce(platform: Platform, config: Config, base: string, runtime: Runtime): Promise<void> {
  const file = join(config.dataDir, DEMO_FILE);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`Portal    ${base}/`);
  out(`Console   ${base}/console`);
  out(`API       ${base}/v1`);
  out(`API docs  ${base}/docs`);
  out(`CA site   ${config.dcvPublicUrl ?? `http://127.0.0.1:${config.dcvPort}`} (the embedded CA's own validation site)`);
  if (runtime.inbound) out(`Replies   inbound SMTP on ${config.inboundSmtpHost}:${runtime.inbound.port} (for ${config.mailDomain})`);
  out(`Mail      ${runtime.sink ? `embedded SMTP sink on 127.0.0.1:${runtime.sink.port}; read sent mail with GET /v1/staff/messages` : `relayed to ${config.smtpUrl}`}`);
  if (!existsSync(file)) {
    const { reseller, apiKey } = await platform.accounts.createReseller({ name: 'Demo Hosting', repEmail: 'rep@example.net', currency: 'EUR' });
    await platform.accounts.topUp({ type: 'system', id: 'demo-seed' }, reseller.id, { amount: '500.00', reference: 'demo-seed' });
    const staff = await platform.accounts.createStaff({ email: 'staff@example.org' });
    const portalUser = { email: 'owner@example.net', password: generatePassword() };
    await platform.portal.createOwner(reseller.id, portalUser);
    const staffUser = { email: 'staff@example.org', password: generatePassword() };
    await platform.portal.createStaffUser(staff.id, staffUser);
    const credentials = {
      apiBase: `${base}/v1`,
      portal: { url: `${base}/`, ...portalUser },
      console: { url: `${base}/console`, ...staffUser },
      reseller: { id: reseller.id, name: reseller.name, apiKey: apiKey.secret },
      staff: { id: staff.id, email: 'staff@example.org', apiKey: staff.apiKey.secret },
    };
    writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    out('');
    out('First start: demo accounts created (balance EUR 500.00).');
    out(`  reseller ${reseller.id}  API key ${apiKey.secret}`);
    out(`  staff    ${staff.id}  API key ${staff.apiKey.secret}`);
    out(`  portal   ${base}/  sign in as ${portalUser.email} / ${portalUser.password}`);
    out(`  console  ${base}/console  sign in as ${staffUser.email} / ${staffUser.password}`);
    out(`  try:     curl -H "Authorization: Bearer ${apiKey.secret}" ${base}/v1/account`);
  }
  out(`Demo credentials: ${file} (mode 0600)`);
}

/** `serve`: the HTTP API alone, one of many stateless processes behind PostgreSQL. */
async function serve(config: Config): Promise<number> {
  if (config.database.kind !== 'postgres') {
    throw new ConfigError('serve runs as one of several processes and needs PostgreSQL: set DATABASE_URL, or use `certbroker start` for the embedded default.');
  }
  const runtime = await openRuntime(config, 'serve');
  try {
    const app = await createHttpApp(runtime.platform, { rateLimit: config.rateLimit, logger: true, secureCookies: config.publicBaseUrl.startsWith('https:'), ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }), ...(runtime.devClock !== undefined && { devClock: runtime.devClock }) });
    await app.listen({ port: config.port, host: config.host });
    await untilSignal();
    await app.close();
    return 0;
  } finally {
    await runtime.close();
  }
}

/** `worker`: runs the job handlers (suppliers, mail, webhooks); any number of them, behind PostgreSQL. */
async function worker(config: Config): Promise<number> {
  if (config.database.kind !== 'postgres') {
    throw new ConfigError('worker runs beside other processes and needs PostgreSQL: set DATABASE_URL, or use `certbroker start`, which runs the workers in-process.');
  }
  const runtime = await openRuntime(config, 'worker');
  process.stdout.write(`worker ${process.pid} running${runtime.sink ? `; embedded SMTP sink on 127.0.0.1:${runtime.sink.port}` : ''}\n`);
  try {
    await untilSignal();
    return 0;
  } finally {
    await runtime.close();
  }
}

async function runMigrate(config: Config): Promise<number> {
  const lock = config.database.kind === 'pglite' ? acquireLock(config.dataDir, 0) : undefined;
  try {
    const store = await openStore(config.database, { migrate: false });
    try {
      const applied = await migrate(store.db);
      process.stdout.write(applied.length === 0 ? 'The schema is up to date.\n' : `Applied: ${applied.join(', ')}\n`);
      return 0;
    } finally {
      await store.close();
    }
  } finally {
    lock?.release();
  }
}

/**
 * Runs an admin command. With PGlite and a running server, the work goes to that server with the lock
 * file's token (PGlite admits one process per folder); otherwise the command opens the database itself.
 */
async function admin<T>(config: Config, remote: (server: LockInfo) => Promise<T>, local: (platform: Platform) => Promise<T>): Promise<T> {
  if (config.database.kind === 'pglite') {
    const server = readLock(config.dataDir);
    if (server) return remote(server);
  }
  return withLocalPlatform(config, local);
}

async function withLocalPlatform<T>(config: Config, work: (platform: Platform) => Promise<T>): Promise<T> {
  const lock = config.database.kind === 'pglite' ? acquireLock(config.dataDir, 0) : undefined;
  try {
    const runtime = await openRuntime(config, 'admin');
    try {
      return await work(runtime.platform);
    } finally {
      await runtime.close();
    }
  } finally {
    lock?.release();
  }
}

/** Calls the running server's staff API with the lock token; its error body becomes the CLI's error. */
async function callServer(server: LockInfo, method: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) {
    const error = json.error as { code: string; message: string; fields?: { path: string; code: string; message: string }[] };
    throw new CertbrokerError('invalid', error.code, error.message, error.fields ?? []);
  }
  return json;
}

function print(json: boolean, value: Record<string, unknown>, human: string): number {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human}\n`);
  return 0;
}

async function resellerCreate(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { name: { type: 'string' }, 'rep-email': { type: 'string' }, currency: { type: 'string' }, 'credit-limit': { type: 'string' }, json: { type: 'boolean' } },
  });
  const input = {
    name: values.name,
    repEmail: values['rep-email'],
    ...(values.currency !== undefined && { currency: values.currency }),
    ...(values['credit-limit'] !== undefined && { creditLimit: Number(values['credit-limit']) }),
  };
  const created = await admin(
    config,
    async (server) => {
      const body = await callServer(server, 'POST', '/v1/staff/resellers', input);
      return { id: body.id as string, apiKey: body.apiKey as string };
    },
    async (platform) => {
      const { reseller, apiKey } = await platform.accounts.createReseller(input);
      return { id: reseller.id, apiKey: apiKey.secret };
    },
  );
  return print(values.json === true, created, `Reseller ${created.id} created.\nAPI key (shown once): ${created.apiKey}`);
}

async function resellerTopUp(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { reference: { type: 'string' }, json: { type: 'boolean' } } });
  const [id, amount] = positionals;
  if (id === undefined || amount === undefined) throw new ConfigError('Usage: certbroker reseller top-up ID AMOUNT [--reference REF]');
  // Without a reference every call credits anew; with one, a repeated call credits once.
  const reference = values.reference ?? `cli:${Date.now().toString(36)}:${process.pid}`;
  const entry = await admin(
    config,
    (server) => callServer(server, 'POST', `/v1/staff/resellers/${encodeURIComponent(id)}/top-ups`, { amount, reference }),
    async (platform) => {
      const result = await platform.accounts.topUp({ type: 'system', id: 'cli' }, id, { amount, reference });
      return { id: String(result.entry.id), amount: result.entry.amount, balanceAfter: result.entry.balanceAfter, reference };
    },
  );
  const after = entry.balanceAfter as { amount: number; currency: string };
  return print(values.json === true, entry, `Credited. Balance now ${formatMinor(after.amount)} ${after.currency}.`);
}

async function staffCreate(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, json: { type: 'boolean' } } });
  const created = await admin(
    config,
    async (server) => {
      const body = await callServer(server, 'POST', '/v1/staff/staff', { email: values.email });
      return { id: body.id as string, apiKey: body.apiKey as string };
    },
    async (platform) => {
      const staff = await platform.accounts.createStaff({ email: values.email });
      return { id: staff.id, apiKey: staff.apiKey.secret };
    },
  );
  return print(values.json === true, created, `Staff ${created.id} created.\nAPI key (shown once): ${created.apiKey}`);
}

