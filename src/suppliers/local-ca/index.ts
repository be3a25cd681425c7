/**
 * The embedded CA, the platform's default supplier (DESIGN.md): a separate organisation that happens to
 * run in the same process. It keeps its own tables through the storage port, serves its own validation
 * site, asks the platform to send its approval emails, and reports back through the event sink.
 */
import { SupplierError, type SupplierFactory, type SupplierPorts } from '../supplier.js';
import { loadAuthorities } from './authority.js';
import { defaultPublicUrl, resolveConfig, type LocalCaConfig } from './config.js';
import { CrlPublisher, crlPath } from './crl.js';
import { CertificateIssuer } from './issuance.js';
import { LocalCa } from './local-ca.js';
import { Outbox } from './outbox.js';
import { migrateLocalCa } from './schema.js';
import { OrganizationDesk } from './organization.js';
import { startValidationSite } from './site.js';
import { ValidationDesk } from './validation.js';
import { KeyVault } from './vault.js';

/** The configuration and the seams for DNS and HTTP lookups. */
export type { DcvFetch, DcvHttpResponse, DcvResolver, LocalCaConfig } from './config.js';
/** The supplier class, for wiring and tests that use its capabilities directly. */
export { LocalCa } from './local-ca.js';

/**
 * Starts the embedded CA: checks the configuration, brings its tables up to date, loads (or on the
 * first start creates) its root and intermediate, opens the validation site, and — right after it
 * returns — delivers whatever the outbox still holds from an earlier run.
 * @throws SupplierError (`invalid_config`) with a sentence saying what to fix: a bad setting, a port
 *   already taken, or an encryption key that does not open the stored CA.
 */
export async function createLocalCa(config: LocalCaConfig, ports: SupplierPorts): Promise<LocalCa> {
  const resolved = resolveConfig(config);
  const { sql, clock } = ports;
  const vault = new KeyVault(resolved.encryptionKey);
  await migrateLocalCa(sql, clock.now());
  const authorities = await loadAuthorities(sql, vault, resolved.organizationName, clock.now());

  // The approval link and the CRL's address need the site's port, which is known only once it listens.
  let siteUrl = resolved.dcvPublicUrl ?? '';
  const outbox = new Outbox({ sql, events: ports.events, mail: ports.mail, clock, vault, approvalUrl: (id) => `${siteUrl}/approve/${id}` });
  const issuer = new CertificateIssuer(authorities, clock, (ca) => `${siteUrl}${crlPath(ca)}`);
  const crls = new CrlPublisher({ sql, clock, issuers: [authorities.intermediate] });
  const desk = new ValidationDesk({ sql, clock, vault, outbox, issuer, resolver: resolved.resolver, fetch: resolved.fetch });
  const site = await startValidationSite(desk, crls, { host: resolved.dcvHost, port: resolved.dcvPort, organizationName: resolved.organizationName }).catch((error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    throw new SupplierError('invalid_config', `local-ca: the validation site cannot listen on ${resolved.dcvHost}:${resolved.dcvPort}${typeof code === 'string' ? ` (${code})` : ''}; choose another dcvPort or dcvHost.`, { retryable: false });
  });
  siteUrl = resolved.dcvPublicUrl ?? defaultPublicUrl(resolved.dcvHost, site.port);

  const ca = new LocalCa({ sql, clock, vault, outbox, issuer, crls, site, desk: new OrganizationDesk({ sql, clock, outbox, issuer }), approvalCodeTtlMs: resolved.approvalCodeTtlMs, siteUrl });
  outbox.start(resolved.outboxRetryMs);
  return ca;
}

/** The embedded CA, registered as `local-ca`. */
export const localCaFactory: SupplierFactory<LocalCaConfig> = {
  name: 'local-ca',
  create: createLocalCa,
};
