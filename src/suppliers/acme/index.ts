/**
 * An ACME CA (RFC 8555) as a supplier — Let's Encrypt, ZeroSSL, Google Trust Services, Sectigo,
 * DigiCert, or Pebble in the tests — for domain-validated certificates.
 *
 * How an order moves: `submit` opens the ACME order and queues the instructions email (what to
 * publish where) to the approver contact. From then on the supplier's own poller — started here,
 * ticking every `pollIntervalMs`, with a per-order backoff doubling up to `maxPollMs` and honouring
 * Retry-After — carries each open order forward: it answers a challenge as soon as its self-check finds
 * the record or file (or at once when the reseller re-checks through `resendApproval`), records every
 * authorization change on the timeline, finalizes with the order's CSR as submitted, and reports the
 * certificate once the compliance guard passed it. `poll()` runs the same round on demand; with
 * `autoPoll: false` it is the only way orders move (for wiring that schedules it as a job). Orders are
 * leased per process, so any number of processes may run the poller against one database.
 *
 * A reissue or renewal (`reissue`) is a new ACME order under the issued one, going the same way and
 * reported with its request id; `revalidate` deactivates the account's valid authorizations first
 * (RFC 8555 7.5.2). `revoke` asks the CA to revoke one of the order's certificates (RFC 8555 7.6).
 */
import { SupplierError, type SupplierFactory, type SupplierPorts } from '../supplier.js';
import { AcmeAccount } from './account.js';
import { AcmeSupplier } from './acme-supplier.js';
import { ACME_SUPPLIER_NAME, resolveConfig, type AcmeConfig } from './config.js';
import { Outbox } from './outbox.js';
import { migrateAcme } from './schema.js';
import { AcmeTransport, routeOrigin } from './transport.js';
import { SealedBox } from '../shared/sealed-box.js';

/** The configuration and the self-check's seams for DNS and HTTP look-ups. */
export type { AcmeConfig, ChallengeType, SelfCheckFetch, SelfCheckResolver } from './config.js';
/** The instructions email: the optional member of the platform's mail port this adapter uses when present. */
export type { DcvInstruction, DcvInstructionsMailPort, DcvInstructionsRequest } from './mail.js';
/** What a poller round reports. */
export type { PollOutcome, PollReport } from './acme-supplier.js';
/** The compliance guard's input and verdict. */
export type { ComplianceInput, ComplianceResult } from './compliance.js';
/** The supplier class, for wiring and tests that use `poll()` or its capabilities directly. */
export { AcmeSupplier } from './acme-supplier.js';
/** The adapter's errors: a {@link SupplierError} with the ACME problem type and the CA's retry time. */
export { AcmeSupplierError, VALIDATION_FAILURES } from './errors.js';
/** The compliance guard, a pure function. */
export { checkIssuedCertificate } from './compliance.js';
/** Whether a mail port can send the instructions email. */
export { canSendDcvInstructions } from './mail.js';

/** Seconds between retries of events and emails the platform did not accept. */
const OUTBOX_RETRY_MS = 30_000;

/**
 * Starts an ACME supplier: checks the configuration, brings its tables up to date, loads (or on the
 * first start creates and seals) the account key, and starts the outbox and (unless `autoPoll` is
 * false) the poller. It does not
 * contact the CA: the account is registered on first use, so the platform starts while the CA is down.
 * @throws SupplierError (`invalid_config`) with a sentence saying what to fix.
 */
export async function createAcmeSupplier(config: AcmeConfig, ports: SupplierPorts): Promise<AcmeSupplier> {
  const resolved = resolveConfig(config);
  const { sql, clock } = ports;
  await migrateAcme(sql, clock.now());
  const account = await AcmeAccount.open({
    sql,
    clock,
    vault: new SealedBox(resolved.encryptionKey),
    settings: { supplier: resolved.name, directoryUrl: resolved.directoryUrl, eab: resolved.eab, contactEmail: resolved.contactEmail },
  });
  let route: ReturnType<typeof routeOrigin>;
  try {
    route = routeOrigin(resolved.origin, new AcmeTransport({ ...(resolved.ca !== undefined && { ca: resolved.ca }), timeoutMs: resolved.requestTimeoutMs }));
  } catch (error) {
    throw new SupplierError('invalid_config', `${resolved.name}: ${error instanceof Error ? error.message : String(error)}; give both the same ca.`, { retryable: false });
  }
  const outbox = new Outbox({ supplier: resolved.name, sql, events: ports.events, mail: ports.mail, clock });
  const supplier = new AcmeSupplier({ config: resolved, sql, clock, account, outbox, transport: route.transport, releaseTransport: route.release });
  outbox.start(OUTBOX_RETRY_MS);
  if (resolved.autoPoll) supplier.start();
  return supplier;
}

/** ACME suppliers, registered as `acme`; a configured `label` names one `acme:<label>`. */
export const acmeFactory: SupplierFactory<AcmeConfig> = {
  name: ACME_SUPPLIER_NAME,
  create: createAcmeSupplier,
};
