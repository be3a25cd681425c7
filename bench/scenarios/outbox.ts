/**
 * Outbox delivery to the local SMTP sink: messages already in the outbox (rendered, DKIM-signed,
 * untimed) delivered by the platform's job runner (claim, `mail.send` handler, SMTP, the row marked
 * sent, the job done), beside nodemailer sending the very same stored sources straight to the same sink
 * with as many messages at once as the runner keeps in flight.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { systemClock } from '../../src/domain/clock.js';
import { DEFAULT_FRAUD_CONFIG } from '../../src/fraud/index.js';
import { bounceAddress } from '../../src/mail/compose.js';
import { openStore } from '../../src/store/database.js';
import { orderBody } from '../../test/support/orders.js';
import { startTestPlatform, TEST_MAIL_DOMAIN } from '../../test/support/platform.js';
import { progress, type Measurement } from '../lib/report.js';
import type { Scenario } from '../lib/scenario.js';

export function createOutboxScenario(overrides: { readonly messages?: number } = {}): Scenario {
  const MESSAGES = overrides.messages ?? Number(process.env.BENCH_OUTBOX_MESSAGES ?? 2000);
  return {
    name: 'outbox',
    description: 'outbox delivery to the local SMTP sink (emails/s) vs. nodemailer sending the same messages straight to it',
    async run({ databaseUrl }) {
      const store = await openStore(databaseUrl ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite' });
      const fraud = { ...DEFAULT_FRAUD_CONFIG, velocity: { resellerPerHour: 1_000_000, resellerPerDay: 1_000_000, domainPerDay: 1_000_000 } };
      const { platform, sink, close } = await startTestPlatform(store, systemClock, { jobs: { pollMs: 10 }, fraud });
      try {
        const { reseller, apiKey } = await platform.accounts.createReseller({ name: 'Bench Outbox', repEmail: 'rep@example.com' });
        await platform.accounts.topUp({ type: 'system', id: 'bench' }, reseller.id, { amount: 900_000, reference: 'bench' });
        const { order } = await platform.orders.place({ type: 'reseller', id: reseller.id, keyId: apiKey.key.id }, orderBody(), 'bench-outbox');
        // The order's own jobs and emails first, so that only the measured messages are left.
        await platform.runner.drain();
        for (let i = 0; i < MESSAGES; i += 1) {
          await platform.outbox.enqueue(store.db, {
            orderId: order.id,
            resellerId: reseller.id,
            to: `customer-${i}@example.com`,
            language: 'en',
            template: 'order-confirmation',
            data: {
              orderId: order.id,
              product: order.product,
              termMonths: order.termMonths,
              domains: order.domains.map((d) => d.unicode),
              approverEmail: order.approverEmail,
              recipientName: 'Ada Lovelace',
              reseller: { name: reseller.name, branding: {} },
              onHold: false,
            },
          });
          if (i % 200 === 0 || i === MESSAGES - 1) progress('composing and signing emails (untimed)', i + 1, MESSAGES);
        }
        const pending = await store.db.selectFrom('mail_outbox').select(['recipient', 'raw']).where('status', '=', 'pending').where('order_id', '=', order.id).execute();
        if (pending.length !== MESSAGES) throw new Error(`expected ${MESSAGES} pending emails, found ${pending.length}`);
        const concurrency = platform.runner.concurrency;

        // The anchor: the same transport settings as the platform's (one connection per message, as a relay sees it).
        const transporter = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, secure: false, name: TEST_MAIL_DOMAIN, logger: false, debug: false });
        const from = bounceAddress(TEST_MAIL_DOMAIN);
        let next = 0;
        const directStarted = performance.now();
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < pending.length) {
              const row = pending[next++]!;
              await transporter.sendMail({ envelope: { from, to: [row.recipient] }, raw: row.raw });
              if (next % 100 === 0) progress('nodemailer → sink', next, MESSAGES);
            }
          }),
        );
        const direct = (MESSAGES * 1000) / (performance.now() - directStarted);
        progress('nodemailer → sink', MESSAGES, MESSAGES);
        transporter.close();

        const sent = async () =>
          Number((await sql<{ n: string }>`select count(*)::text as n from mail_outbox where order_id = ${order.id} and status = 'sent'`.execute(store.db)).rows[0]?.n);
        const already = await sent();
        const started = performance.now();
        platform.runner.start();
        for (;;) {
          const done = (await sent()) - already;
          progress('outbox → sink (job runner)', done, MESSAGES);
          if (done >= MESSAGES) break;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const outbox = (MESSAGES * 1000) / (performance.now() - started);
        await platform.runner.stop();
        return [
          {
            scenario: 'outbox',
            case: `${MESSAGES} emails, ${concurrency} at a time`,
            metric: 'outbox delivery',
            value: outbox,
            unit: 'emails/s',
            anchor: { name: 'nodemailer direct emails/s', value: direct },
            ratio: outbox / direct,
            note: 'the job runner claiming mail.send jobs, reading each stored source, sending it over SMTP and marking row and job; the anchor sends the same sources with the same nodemailer settings',
          },
        ] satisfies Measurement[];
      } finally {
        await close();
        await store.close();
      }
    },
  };
}

export const outboxScenario = createOutboxScenario();
