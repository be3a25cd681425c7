/**
 * A harness for the embedded CA on a real database: ports that record what the CA hands the platform,
 * a frozen clock, the real validation site on a free port, and openssl as an independent judge of the
 * certificates it signs.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { vi } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FixedClock } from '../../src/domain/clock.js';
import type { Store } from '../../src/store/database.js';
import { createSqlPort } from '../../src/store/sql-port.js';
import { createLocalCa, type LocalCa, type LocalCaConfig } from '../../src/suppliers/local-ca/index.js';
import type { ApprovalEmailRequest, SqlPort, SubmitRequest, SupplierEventSink, SupplierMailPort } from '../../src/suppliers/supplier.js';
import { buildCsr, ecKey } from './csr-factory.js';
import type { TestDatabase } from './databases.js';
import { RecordingEventSink, contextPerTest, refusal, tableInspector } from './supplier-ports.js';

export { RecordingEventSink, contextPerTest, refusal };

/** Records every approval email the CA asks for. */
export class RecordingMailPort implements SupplierMailPort {
  readonly sent: ApprovalEmailRequest[] = [];

  async sendApprovalEmail(request: ApprovalEmailRequest): Promise<void> {
    this.sent.push(request);
  }
}

/** A fake DNS: TXT records by name. */
export class FakeResolver {
  readonly records = new Map<string, string[][]>();

  resolveTxt = async (hostname: string): Promise<string[][]> => {
    const found = this.records.get(hostname);
    if (found === undefined) throw Object.assign(new Error(`queryTxt ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found;
  };
}

/** A fake web: file contents by URL. */
export class FakeWeb {
  readonly files = new Map<string, string>();
  readonly requested: string[] = [];

  fetch = async (url: string): Promise<{ status: number; text(): Promise<string> }> => {
    this.requested.push(url);
    const body = this.files.get(url);
    return { status: body === undefined ? 404 : 200, text: async () => body ?? 'not found' };
  };
}

/** One test's world: a fresh database, the ports, and every CA started on it (closed at the end). */
export interface LocalCaContext {
  readonly store: Store;
  readonly sql: SqlPort;
  readonly clock: FixedClock;
  readonly events: RecordingEventSink;
  readonly mail: RecordingMailPort;
  readonly resolver: FakeResolver;
  readonly web: FakeWeb;
  readonly encryptionKey: Buffer;
  /** Starts a CA on the context's database (a "process"); `config` and `ports` override the defaults. */
  start(config?: Partial<LocalCaConfig>, ports?: { events?: SupplierEventSink; mail?: SupplierMailPort }): Promise<LocalCa>;
  /** Rows of a query as JSON text, for searching table contents. */
  dump(table: string): Promise<string>;
  count(table: string, where?: string, params?: readonly unknown[]): Promise<number>;
  close(): Promise<void>;
}

export async function openLocalCaContext(db: TestDatabase): Promise<LocalCaContext> {
  const store = await db.open();
  const sql = createSqlPort(store.db);
  const clock = new FixedClock('2026-11-26T12:00:00Z');
  const events = new RecordingEventSink();
  const mail = new RecordingMailPort();
  const resolver = new FakeResolver();
  const web = new FakeWeb();
  const encryptionKey = randomBytes(32);
  const started: LocalCa[] = [];
  return {
    store,
    sql,
    clock,
    events,
    mail,
    resolver,
    web,
    encryptionKey,
    async start(config = {}, ports = {}) {
      const ca = await createLocalCa(
        { encryptionKey, dcvPort: 0, resolver, fetch: web.fetch, ...config },
        { sql, clock, events: ports.events ?? events, mail: ports.mail ?? mail },
      );
      started.push(ca);
      return ca;
    },
    ...tableInspector(sql),
    async close() {
      await Promise.all(started.map((ca) => ca.close()));
      await store.close();
    },
  };
}

/** The names of most tests' orders. */
export const NAMES = ['shop.example.com', 'www.shop.example.com'] as const;

/** A CSR of `key` for `names`, the first of them as the common name. */
export function csrOf(key = ecKey('P-256'), names: readonly string[] = NAMES): string {
  return buildCsr({ privateKey: key, commonName: names[0]!, sans: names }).pem;
}

/** A DV submission for `names` (the CSR's names), every name approved by email to `approver` unless `dcv` says otherwise. */
export function submitRequest(options: {
  orderId: string;
  csrPem: string;
  names: readonly string[];
  approver?: string;
  dcv?: Readonly<Record<string, SubmitRequest['domains'][number]['dcv']>>;
  product?: SubmitRequest['product'];
  validation?: SubmitRequest['validation'];
  organization?: Record<string, unknown> | null;
  validityDays?: number;
}): SubmitRequest {
  const approver = options.approver ?? 'admin@example.com';
  return {
    orderId: options.orderId,
    product: options.product ?? (options.names.length > 1 ? 'dv-multi' : 'dv-single'),
    validation: options.validation ?? 'dv',
    csrPem: options.csrPem,
    domains: options.names.map((name) => ({ name, dcv: options.dcv?.[name] ?? { method: 'email' as const, email: approver } })),
    approverEmail: approver,
    adminContact: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', phone: '+49 30 1234567', country: 'DE' },
    organization: options.organization ?? null,
    language: 'en',
    validityDays: options.validityDays ?? 199,
    contactFor: { name: 'Reseller Support', email: 'support@reseller.example' },
  };
}

/** A second CA process may hold the outbox's delivery lease; this one looks again after a second (BUSY_RETRY_MS), so allow well beyond that. */
export const DELIVERY = { timeout: 5000 } as const;

/** Submits a DV order for `names`, every name approved by email to admin@example.com, and waits for its approval email. */
export async function submitOrder(ctx: LocalCaContext, ca: LocalCa, orderId: string, csrPem: string, names: readonly string[]) {
  const { supplierOrderId } = await ca.submit(submitRequest({ orderId, csrPem, names }));
  const mail = await vi.waitFor(() => {
    const found = ctx.mail.sent.filter((sent) => sent.orderId === orderId).at(-1);
    if (found === undefined) throw new Error(`no approval email for ${orderId}`);
    return found;
  }, DELIVERY);
  return { supplierOrderId, mail };
}

/** Submits a DV order, approves it on the CA's site with the emailed code, and waits for its `issued` event. */
export async function issueOrder(ctx: LocalCaContext, ca: LocalCa, orderId: string, csrPem: string, names: readonly string[]) {
  const { supplierOrderId, mail } = await submitOrder(ctx, ca, orderId, csrPem, names);
  const approved = await postForm(mail.approvalUrl, { code: mail.approvalCode });
  if (approved.status !== 200) throw new Error(`approval of ${orderId} answered ${approved.status}: ${approved.body}`);
  const event = await vi.waitFor(() => {
    const found = ctx.events.ofType('issued').find((issued) => issued.orderId === orderId);
    if (found === undefined) throw new Error(`no issued event for ${orderId}`);
    return found;
  }, DELIVERY);
  return { supplierOrderId, mail, event };
}

/** A POST to the validation site, form-encoded, answered in JSON unless `html` is set. */
export async function postForm(url: string, fields: Record<string, string>, options: { html?: boolean } = {}): Promise<{ status: number; body: string; json: () => unknown }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(options.html ? {} : { accept: 'application/json' }) },
    body: new URLSearchParams(fields).toString(),
  });
  const body = await response.text();
  return { status: response.status, body, json: () => JSON.parse(body) };
}

/** A GET on the validation site. */
export async function getPage(url: string, options: { json?: boolean } = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(url, { headers: options.json ? { accept: 'application/json' } : {} });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

function openssl(args: readonly string[], input?: string): { status: number | null; output: string } {
  const run = spawnSync('/usr/bin/openssl', args, { input, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** Runs openssl with files written to a temporary folder (name → content); resolves with its exit status and output. */
export async function opensslWith(files: Readonly<Record<string, string | Uint8Array>>, args: (paths: Readonly<Record<string, string>>) => readonly string[]): Promise<{ ok: boolean; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'local-ca-openssl-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
      paths[name] = join(dir, name);
      writeFileSync(paths[name], content);
    }
    return await promisify(execFile)('/usr/bin/openssl', [...args(paths)], { encoding: 'utf8' }).then(
      ({ stdout, stderr }) => ({ ok: true, output: `${stdout}${stderr}` }),
      (error: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `openssl x509 -text -noout` of a PEM certificate. */
export function certificateText(pem: string): string {
  const run = openssl(['x509', '-text', '-noout'], pem);
  if (run.status !== 0) throw new Error(`openssl x509 failed: ${run.output}`);
  return run.output;
}

/**
 * `openssl verify -x509_strict -purpose sslserver -CAfile root -untrusted intermediate leaf` at the
 * given time (the certificates follow the frozen clock, not the machine's).
 */
export function opensslVerify(chain: { rootPem: string; intermediatePem: string; leafPem: string }, at: Date, extra: readonly string[] = []): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'local-ca-verify-'));
  try {
    const file = (name: string, pem: string) => {
      const path = join(dir, name);
      writeFileSync(path, pem);
      return path;
    };
    const root = file('root.pem', chain.rootPem);
    const intermediate = file('intermediate.pem', chain.intermediatePem);
    const leaf = file('leaf.pem', chain.leafPem);
    const run = openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-attime', String(Math.floor(at.getTime() / 1000)), ...extra, '-CAfile', root, '-untrusted', intermediate, leaf]);
    return { ok: run.status === 0 && /: OK\s*$/.test(run.output), output: run.output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The hex of an extension's key identifier as openssl prints it, without colons. */
export function keyIdOf(text: string, extension: 'Subject Key Identifier' | 'Authority Key Identifier'): string | undefined {
  const match = new RegExp(`X509v3 ${extension}:\\s*\\n\\s*(?:keyid:)?([0-9A-F:]+)`).exec(text);
  return match?.[1]?.replaceAll(':', '');
}
