import { OffsetClock, systemClock } from '../domain/clock.js';
import { Scheduler } from '../jobs/queue.js';
import { startSmtpSink, type SmtpSink } from '../mail/sink.js';
import { startInboundSmtp, type InboundSmtp } from '../mail/inbound.js';
import { inboundReplies } from '../orders/inbound-replies.js';
import { createSmtpTransport, type MailTransport } from '../mail/transport.js';
import { openStore, type Store } from '../store/database.js';
import type { Config } from './config.js';
import { createPlatform, DEADLINE_JOB, SUBSCRIPTIONS_JOB, type Platform } from './platform.js';
import { loadSecrets } from './secrets.js';
import { createLogger } from './logging.js';
import type { AcmeSettings } from './config.js';
import type { AcmeConfig } from '../suppliers/acme/index.js';
import { readFileSync } from 'node:fs';

/**
 * What a process is for: `start` runs everything; `serve` the API and the embedded CA's validation site;
 * `worker` the job handlers and mail delivery; `admin` a one-off CLI command.
 */
export type Role = 'start' | 'serve' | 'worker' | 'admin';

export interface Runtime {
  readonly platform: Platform;
  /** The inbound SMTP listener for replies, in the processes that serve (start, serve). */
  readonly inbound: InboundSmtp | undefined;
  /** The movable development clock, when CERTBROKER_DEV_CLOCK=1. */
  readonly devClock: OffsetClock | undefined;
  /** The embedded SMTP sink, when this process delivers mail and no SMTP_URL is set. */
  readonly sink: SmtpSink | undefined;
  close(): Promise<void>;
}

/** Opens the database and builds the platform for one process role from the configuration. */
export async function openRuntime(config: Config, role: Role): Promise<Runtime> {
  const secrets = loadSecrets(config.dataDir, config.secrets);
  const delivers = role === 'start' || role === 'worker';
  let sink: SmtpSink | undefined;
  let transport: MailTransport | undefined;
  if (delivers) {
    if (config.smtpUrl === undefined) sink = await startSmtpSink({ port: config.smtpSinkPort });
    transport = createSmtpTransport(config.smtpUrl ?? `smtp://127.0.0.1:${sink?.port}`, config.mailDomain);
  }
  let store: Store | undefined;
  const devClock = config.devClock ? new OffsetClock() : undefined;
  try {
    store = await openStore(config.database);
    const platform = await createPlatform({
      store,
      clock: devClock ?? systemClock,
      csrCacheSize: config.csrCacheSize,
      mail: {
        domain: config.mailDomain,
        dkimSelector: config.dkimSelector,
        dkimPrivateKeyPem: secrets.dkimPrivateKeyPem,
        replyKey: Buffer.from(secrets.replySigningKey, 'base64'),
        platformName: config.platformName,
        publicBaseUrl: config.publicBaseUrl,
        ...(transport !== undefined && { transport }),
      },
      localCa: {
        encryptionKey: Buffer.from(secrets.caKeyEncryptionKey, 'base64'),
        // The validation site lives with the API; other processes listen nowhere useful and link to it.
        dcvPort: role === 'start' || role === 'serve' ? config.dcvPort : 0,
        dcvPublicUrl: config.dcvPublicUrl ?? `http://127.0.0.1:${config.dcvPort}`,
      },
      defaultSupplier: config.defaultSupplier,
      supplierChain: config.supplierChain,
      productChains: config.productChains,
      ...(config.acme !== undefined && { acme: [acmeConfig(config.acme, Buffer.from(secrets.acmeKeyEncryptionKey, 'base64'), delivers)] }),
      webhooksAllowPrivateTargets: config.webhookAllowPrivateTargets ?? role === 'start',
      jobs: { leaseMs: config.jobLeaseMs },
      autoCancelAfterDays: config.autoCancelAfterDays,
      renewalLeadDays: config.renewalLeadDays,
      fraud: config.fraud,
      // The production processes log JSON lines on stdout; `start` talks to a person, `admin` prints answers.
      ...((role === 'serve' || role === 'worker') && { logger: createLogger() }),
    });
    // Replies are taken where the API is served; delivery of the forwards is the workers' job.
    const serves = role === 'start' || role === 'serve';
    const replies = inboundReplies({ db: store.db, clock: devClock ?? systemClock, outbox: platform.outbox });
    const inbound =
      serves && config.inboundSmtpPort !== 0
        ? await startInboundSmtp({
            port: config.inboundSmtpPort,
            host: config.inboundSmtpHost,
            mailDomain: config.mailDomain,
            replyKey: Buffer.from(secrets.replySigningKey, 'base64'),
            resolve: replies.resolve,
            accept: replies.accept,
          })
        : undefined;
    const scheduler = new Scheduler({ queue: platform.queue, db: store.db, clock: devClock ?? systemClock });
    if (delivers) {
      platform.runner.start();
      // Every few minutes: orders past their seven-day completion window (one job per window, whoever enqueues it).
      scheduler.every(DEADLINE_JOB, 5 * 60_000);
      // Hourly: successors of certificates due within the term, and the reminders due.
      scheduler.every(SUBSCRIPTIONS_JOB, 60 * 60_000);
    }
    const opened = store;
    return {
      platform,
      sink,
      inbound,
      devClock,
      close: async () => {
        scheduler.stop();
        await inbound?.close();
        await platform.close();
        await opened.close();
        await sink?.close();
      },
    };
  } catch (error) {
    await store?.close();
    await sink?.close();
    throw error;
  }
}

/** The ACME supplier's configuration: its files read now; the poller runs where the jobs run. */
function acmeConfig(settings: AcmeSettings, encryptionKey: Buffer, poll: boolean): AcmeConfig {
  const read = (file: string, what: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${what} ${file} cannot be read: ${(error as Error).message}`);
    }
  };
  return {
    directoryUrl: settings.directoryUrl,
    encryptionKey,
    autoPoll: poll,
    ...(settings.label !== undefined && { label: settings.label }),
    ...(settings.eab !== undefined && { eab: settings.eab }),
    ...(settings.contactEmail !== undefined && { contactEmail: settings.contactEmail }),
    ...(settings.caFile !== undefined && { ca: read(settings.caFile, 'ACME_CA_FILE') }),
    ...(settings.rootFile !== undefined && { rootPem: read(settings.rootFile, 'ACME_ROOT_FILE') }),
    ...(settings.rootUrl !== undefined && { rootUrl: settings.rootUrl }),
    ...(settings.preferredChallenge !== undefined && { preferredChallenge: settings.preferredChallenge }),
    ...(settings.pollIntervalMs !== undefined && { pollIntervalMs: settings.pollIntervalMs }),
    ...(settings.requestTimeoutMs !== undefined && { requestTimeoutMs: settings.requestTimeoutMs }),
    ...(settings.leaseMs !== undefined && { leaseMs: settings.leaseMs }),
  };
}
