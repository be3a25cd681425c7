/**
 * Pebble, Let's Encrypt's ACME test server (Debian package `pebble`), and its challenge test server,
 * started by the tests on loopback (STACK.md has the recipe): a throw-away TLS certificate for
 * 127.0.0.1/localhost made with openssl, free ports, a config file, readiness by polling the directory.
 * Without the binaries the Pebble suites are skipped with a message, unless CERTBROKER_REQUIRE_PEBBLE=1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PEBBLE_BIN = '/usr/bin/pebble';
export const CHALLTESTSRV_BIN = '/usr/bin/pebble-challtestsrv';

/** Whether Pebble can run here. */
export const PEBBLE_AVAILABLE = existsSync(PEBBLE_BIN) && existsSync(CHALLTESTSRV_BIN);

if (!PEBBLE_AVAILABLE) {
  if (process.env.CERTBROKER_REQUIRE_PEBBLE === '1') {
    throw new Error(`Pebble is required (CERTBROKER_REQUIRE_PEBBLE=1) but ${PEBBLE_BIN} or ${CHALLTESTSRV_BIN} is missing: apt-get install -y pebble.`);
  }
  console.warn(`[skip] ${PEBBLE_BIN} is not installed (apt-get install -y pebble): the ACME tests against Pebble are SKIPPED.`);
}

/** A free TCP port on 127.0.0.1 (free when asked; good enough on a test machine). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** GET over HTTPS trusting `ca`; resolves with the status and body, rejects when nothing answers. */
export function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(url, { ca, timeout: 2000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end();
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, process: ChildProcess, log: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) throw new Error(`${what} exited with ${process.exitCode}:\n${log()}`);
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms:\n${log()}`);
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** pebble-challtestsrv: plays the customer's DNS and website (publishes what the instructions say). */
export class ChallTestSrv {
  readonly #process: ChildProcess;
  readonly dnsPort: number;
  readonly httpPort: number;
  readonly managementUrl: string;
  readonly #log: string[];

  constructor(init: { process: ChildProcess; dnsPort: number; httpPort: number; managementPort: number; log: string[] }) {
    this.#process = init.process;
    this.dnsPort = init.dnsPort;
    this.httpPort = init.httpPort;
    this.managementUrl = `http://127.0.0.1:${init.managementPort}`;
    this.#log = init.log;
  }

  async #post(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${this.managementUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
    if (response.status !== 200) throw new Error(`challtestsrv ${path} answered ${response.status}: ${await response.text()}`);
  }

  /** Serves `content` at `/.well-known/acme-challenge/<token>` on the http-01 port. */
  addHttp01(token: string, content: string): Promise<void> {
    return this.#post('/add-http01', { token, content });
  }

  /** Sets the TXT record of `host` (a trailing dot is added) to `value`, replacing what was there. */
  setTxt(host: string, value: string): Promise<void> {
    return this.#post('/set-txt', { host: host.endsWith('.') ? host : `${host}.`, value });
  }

  log(): string {
    return this.#log.join('');
  }

  stop(): Promise<void> {
    return stopProcess(this.#process, 'SIGTERM');
  }
}

/** Starts pebble-challtestsrv on free loopback ports; A queries answer 127.0.0.1 and AAAA nothing, so Pebble dials IPv4. */
export async function startChallTestSrv(): Promise<ChallTestSrv> {
  const [dnsPort, httpPort, managementPort] = [await freePort(), await freePort(), await freePort()];
  const args = ['-defaultIPv6', '', '-http01', `127.0.0.1:${httpPort}`, '-https01', '', '-tlsalpn01', '', '-dns01', `127.0.0.1:${dnsPort}`, '-management', `127.0.0.1:${managementPort}`];
  const child = spawn(CHALLTESTSRV_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  await waitFor('pebble-challtestsrv', async () => (await fetch(`http://127.0.0.1:${managementPort}/`)).status > 0, child, () => log.join(''));
  return new ChallTestSrv({ process: child, dnsPort, httpPort, managementPort, log });
}

/** Options of {@link startPebble}. */
export interface PebbleOptions {
  /** `PEBBLE_VA_ALWAYS_VALID=1`: every answered challenge is valid without a look-up. */
  readonly alwaysValid?: boolean;
  /** Real validation against this challenge server (its DNS is Pebble's resolver, its http-01 port Pebble's httpPort). */
  readonly challenges?: ChallTestSrv;
  /** `certificateValidityPeriod` in days; default 199 (within BR 6.3.2's 200). */
  readonly validityDays?: number;
  /** External Account Binding MAC keys by key id; makes EAB required. */
  readonly eabKeys?: Readonly<Record<string, string>>;
  /** Names Pebble refuses to certify (`domainBlocklist`). */
  readonly blocklist?: readonly string[];
  /** `PEBBLE_AUTHZREUSE`: the percentage of new orders that reuse a valid authorization of the account (Pebble's default 50). */
  readonly authzReuse?: number;
}

/** What Pebble's management interface says of a certificate (`GET /cert-status-by-serial/<hex>`). */
export interface PebbleCertificateStatus {
  readonly status: 'Valid' | 'Revoked';
  /** The RFC 5280 CRLReason code, for a revoked certificate. */
  readonly reason: number | undefined;
  readonly revokedAt: Date | undefined;
}

/** A running Pebble. */
export class Pebble {
  readonly #process: ChildProcess;
  readonly #dir: string;
  readonly #log: string[];
  readonly directoryUrl: string;
  readonly managementUrl: string;
  /** Pebble's TLS certificate (PEM), to trust for its ACME and management ports. */
  readonly ca: string;

  constructor(init: { process: ChildProcess; dir: string; log: string[]; port: number; managementPort: number; ca: string }) {
    this.#process = init.process;
    this.#dir = init.dir;
    this.#log = init.log;
    this.directoryUrl = `https://127.0.0.1:${init.port}/dir`;
    this.managementUrl = `https://127.0.0.1:${init.managementPort}`;
    this.ca = init.ca;
  }

  /** Pebble's process id (the drills freeze it with SIGSTOP). */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  /** Where Pebble serves its issuing root (new on every start). */
  get rootUrl(): string {
    return `${this.managementUrl}/roots/0`;
  }

  /** A certificate's state, from the management interface; undefined when Pebble never issued the serial. */
  async certificateStatus(serialNumber: string): Promise<PebbleCertificateStatus | undefined> {
    const response = await httpsGet(`${this.managementUrl}/cert-status-by-serial/${serialNumber}`, this.ca);
    if (response.status === 404) return undefined;
    if (response.status !== 200) throw new Error(`Pebble's cert-status-by-serial answered ${response.status}: ${response.body}`);
    const body = JSON.parse(response.body) as { Status: 'Valid' | 'Revoked'; Reason?: number; RevocationTime?: string };
    return { status: body.Status, reason: body.Reason, revokedAt: body.RevocationTime === undefined ? undefined : new Date(body.RevocationTime) };
  }

  /** The issuing root, from the management interface. */
  async root(): Promise<string> {
    const response = await httpsGet(this.rootUrl, this.ca);
    if (response.status !== 200) throw new Error(`Pebble's root answered ${response.status}`);
    return response.body;
  }

  log(): string {
    return this.#log.join('');
  }

  /** Kills Pebble at once (a CA outage); its files stay until {@link stop}. */
  kill(): Promise<void> {
    return stopProcess(this.#process, 'SIGKILL');
  }

  /** Stops Pebble and removes its files. */
  async stop(): Promise<void> {
    await stopProcess(this.#process, 'SIGTERM');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A self-signed TLS certificate for localhost and 127.0.0.1, made with openssl. */
function tlsCertificate(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const run = spawnSync(
    '/usr/bin/openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`openssl could not make Pebble's TLS certificate: ${run.stderr}`);
  return { cert, key };
}

/** Starts Pebble on free loopback ports and waits until its directory answers. */
export async function startPebble(options: PebbleOptions = {}): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'pebble-'));
  const tls = tlsCertificate(dir);
  const [port, managementPort] = [await freePort(), await freePort()];
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${port}`,
      managementListenAddress: `127.0.0.1:${managementPort}`,
      certificate: tls.cert,
      privateKey: tls.key,
      // Pebble dials the challenge answers here; without a challenge server, a port where nothing listens.
      httpPort: options.challenges?.httpPort ?? (await freePort()),
      tlsPort: await freePort(),
      ocspResponderURL: '',
      externalAccountBindingRequired: options.eabKeys !== undefined,
      ...(options.eabKeys !== undefined && { externalAccountMACKeys: options.eabKeys }),
      ...(options.blocklist !== undefined && { domainBlocklist: options.blocklist }),
      certificateValidityPeriod: Math.round((options.validityDays ?? 199) * 86_400),
    },
  };
  const configPath = join(dir, 'pebble-config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const args = ['-config', configPath, ...(options.challenges === undefined ? [] : ['-dnsserver', `127.0.0.1:${options.challenges.dnsPort}`])];
  const env = {
    ...process.env,
    PEBBLE_VA_NOSLEEP: '1',
    ...(options.alwaysValid ? { PEBBLE_VA_ALWAYS_VALID: '1' } : {}),
    ...(options.authzReuse !== undefined && { PEBBLE_AUTHZREUSE: String(options.authzReuse) }),
  };
  const child = spawn(PEBBLE_BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  const ca = readFileSync(tls.cert, 'utf8');
  const pebble = new Pebble({ process: child, dir, log, port, managementPort, ca });
  await waitFor('pebble', async () => (await httpsGet(pebble.directoryUrl, ca)).status === 200, child, () => log.join(''));
  await waitFor('pebble management', async () => (await httpsGet(pebble.rootUrl, ca)).status === 200, child, () => log.join(''));
  return pebble;
}
