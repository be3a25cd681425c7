/**
 * A harness for the ACME supplier on a real database and a real Pebble: ports that record what the
 * supplier hands the platform (with and without the instructions email), a frozen clock, the
 * customer's side played through pebble-challtestsrv, and openssl as an independent judge.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, type KeyObject } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vi } from 'vitest';
import { FixedClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/database.js';
import { createSqlPort } from '../../src/store/sql-port.js';
import { createAcmeSupplier, type AcmeConfig, type AcmeSupplier, type DcvInstruction, type DcvInstructionsRequest, type PollOutcome } from '../../src/suppliers/acme/index.js';
import type { ApprovalEmailRequest, IssuedCertificate, SqlPort, SubmitRequest, SupplierEvent, SupplierEventSink, SupplierMailPort } from '../../src/suppliers/supplier.js';
import { buildCsr, ecKey } from './csr-factory.js';
import type { TestDatabase } from './databases.js';
import { RecordingEventSink, contextPerTest, refusal, tableInspector } from './supplier-ports.js';

export { RecordingEventSink, contextPerTest, refusal };
import type { ChallTestSrv, Pebble } from './pebble.js';

/** A mail port of today's platform: approval emails only. */
export class ApprovalOnlyMailPort implements SupplierMailPort {
  readonly approvals: ApprovalEmailRequest[] = [];

  async sendApprovalEmail(request: ApprovalEmailRequest): Promise<void> {
    this.approvals.push(request);
  }
}

/** A mail port with the proposed `sendDcvInstructions` member. */
export class RecordingMailPort extends ApprovalOnlyMailPort {
  readonly instructions: DcvInstructionsRequest[] = [];

  async sendDcvInstructions(request: DcvInstructionsRequest): Promise<void> {
    this.instructions.push(request);
  }

  /** The latest instructions email of an order. */
  latest(orderId: string): DcvInstructionsRequest | undefined {
    return this.instructions.filter((request) => request.orderId === orderId).at(-1);
  }
}

/** Publishes what an instruction says, as the customer would: the file on the website, the TXT record in DNS. */
export async function publish(challenges: ChallTestSrv, instruction: DcvInstruction, options: { wrongValue?: boolean } = {}): Promise<void> {
  if (instruction.method === 'http-01') {
    const token = instruction.url!.split('/').at(-1)!;
    await challenges.addHttp01(token, options.wrongValue ? 'not-the-key-authorization' : instruction.content!);
    return;
  }
  await challenges.setTxt(instruction.recordName!, options.wrongValue ? 'not-the-digest' : instruction.recordValue!);
}

/** The self-check's look-ups pointed at the challenge server: its DNS, and its http-01 port for every host. */
export function selfCheckVia(challenges: ChallTestSrv): Pick<AcmeConfig, 'resolver' | 'fetch'> {
  const resolver = new Resolver({ timeout: 1000, tries: 1 });
  resolver.setServers([`127.0.0.1:${challenges.dnsPort}`]);
  return {
    resolver,
    fetch: (url, init) => {
      const target = new URL(url);
      return fetch(`http://127.0.0.1:${challenges.httpPort}${target.pathname}`, { ...init, headers: { host: target.host } });
    },
  };
}

/** One test's world: a fresh database, the ports, and every supplier started on it (closed at the end). */
export interface AcmeContext {
  readonly store: Store;
  readonly sql: SqlPort;
  readonly clock: FixedClock;
  readonly events: RecordingEventSink;
  readonly mail: RecordingMailPort;
  readonly encryptionKey: Buffer;
  /** Starts a supplier on the context's database and Pebble (a "process"); `config` and `ports` override the defaults. */
  start(config?: Partial<AcmeConfig>, ports?: { events?: SupplierEventSink; mail?: SupplierMailPort }): Promise<AcmeSupplier>;
  dump(table: string): Promise<string>;
  count(table: string, where?: string, params?: readonly unknown[]): Promise<number>;
  close(): Promise<void>;
}

/** A context whose suppliers talk to `pebble`, with a fast poller. */
export async function openAcmeContext(db: TestDatabase, pebble: Pebble): Promise<AcmeContext> {
  const store = await db.open();
  const sql = createSqlPort(store.db);
  const clock = new FixedClock('2026-11-26T12:00:00Z');
  const events = new RecordingEventSink();
  const mail = new RecordingMailPort();
  const encryptionKey = randomBytes(32);
  const started: AcmeSupplier[] = [];
  return {
    store,
    sql,
    clock,
    events,
    mail,
    encryptionKey,
    async start(config = {}, ports = {}) {
      const supplier = await createAcmeSupplier(
        { directoryUrl: pebble.directoryUrl, ca: pebble.ca, rootUrl: pebble.rootUrl, encryptionKey, pollIntervalMs: 20, maxPollMs: 250, selfCheck: false, contactEmail: 'pki@reseller.example', ...config },
        { sql, clock, events: ports.events ?? events, mail: ports.mail ?? mail },
      );
      started.push(supplier);
      return supplier;
    },
    ...tableInspector(sql),
    async close() {
      await Promise.all(started.map((supplier) => supplier.close()));
      await store.close();
    },
  };
}

/** A DV submission for `names` with a fresh CSR of `key`; every name by `method` unless `dcv` says otherwise. */
export function acmeRequest(options: {
  orderId: string;
  names: readonly string[];
  method?: 'dns' | 'http' | 'email';
  dcv?: Readonly<Record<string, SubmitRequest['domains'][number]['dcv']>>;
  key?: KeyObject;
  csrPem?: string;
  product?: SubmitRequest['product'];
  validation?: SubmitRequest['validation'];
}): SubmitRequest {
  const method = options.method ?? 'dns';
  const dcv = (name: string): SubmitRequest['domains'][number]['dcv'] =>
    options.dcv?.[name] ?? (method === 'email' ? { method: 'email', email: `admin@${name.replace(/^\*\./, '')}` } : { method });
  return {
    orderId: options.orderId,
    product: options.product ?? (options.names.length > 1 ? 'dv-multi' : options.names[0]!.startsWith('*.') ? 'dv-wildcard' : 'dv-single'),
    validation: options.validation ?? 'dv',
    csrPem: options.csrPem ?? buildCsr({ privateKey: options.key ?? ecKey('P-256'), commonName: options.names[0]!, sans: options.names }).pem,
    domains: options.names.map((name) => ({ name, dcv: dcv(name) })),
    approverEmail: 'admin@example.com',
    adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49 30 1234567', country: 'DE' },
    organization: null,
    language: 'en',
    validityDays: 199,
    contactFor: { name: 'Reseller Support', email: 'support@reseller.example' },
  };
}

/** A unique name under `base`, so tests never share authorizations unless they mean to. */
export function uniqueName(label: string, base = 'example.com'): string {
  return `${label}-${randomBytes(4).toString('hex')}.${base}`;
}

/** `openssl verify -x509_strict -purpose sslserver -CAfile root -untrusted chain leaf`, at the machine's time. */
export function opensslVerify(chain: { rootPem: string; chainPem: readonly string[]; leafPem: string }): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'acme-verify-'));
  try {
    const file = (name: string, pem: string) => {
      const path = join(dir, name);
      writeFileSync(path, pem);
      return path;
    };
    const root = file('root.pem', chain.rootPem);
    const intermediates = file('chain.pem', chain.chainPem.join(''));
    const leaf = file('leaf.pem', chain.leafPem);
    const run = spawnSync('/usr/bin/openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', root, '-untrusted', intermediates, leaf], { encoding: 'utf8' });
    const output = `${run.stdout}${run.stderr}`;
    return { ok: run.status === 0 && /: OK\s*$/.test(output), output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `opensslVerify` of an issued certificate against its own chain and root. */
export function verifies(certificate: IssuedCertificate) {
  return opensslVerify({ rootPem: certificate.rootPem, chainPem: certificate.chainPem, leafPem: certificate.certificatePem });
}

/** The first event of `type` for the order, once it arrives. */
export function eventOf<T extends SupplierEvent['type']>(events: RecordingEventSink, type: T, orderId: string, matches: (event: Extract<SupplierEvent, { type: T }>) => boolean = () => true): Promise<Extract<SupplierEvent, { type: T }>> {
  return vi.waitFor(
    () => {
      const found = events.ofType(type).find((event) => event.orderId === orderId && matches(event));
      if (found === undefined) throw new Error(`no ${type} event for ${orderId}: ${JSON.stringify(events.events.filter((event) => event.orderId === orderId))}`);
      return found;
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** Polls (a supplier without its own timer) until an outcome of the order matches. */
export function outcomeOf(supplier: AcmeSupplier, supplierOrderId: string, matches: (outcome: PollOutcome) => boolean): Promise<PollOutcome> {
  return vi.waitFor(
    async () => {
      const found = (await supplier.poll()).outcomes.find((outcome) => outcome.supplierOrderId === supplierOrderId && matches(outcome));
      if (found === undefined) throw new Error(`no matching outcome for ${supplierOrderId}`);
      return found;
    },
    { timeout: 20_000, interval: 50 },
  );
}
