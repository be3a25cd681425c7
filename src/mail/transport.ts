import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

/**
 * Outbound delivery of finished messages. The outbox hands over the stored, signed source; a transport
 * only moves bytes, so it can never change what was signed and kept.
 */
export interface MailTransport {
  /** Delivers `raw` unchanged to `envelope.to` with `envelope.from` as the SMTP sender; rejects on any failure. */
  send(envelope: { readonly from: string; readonly to: string }, raw: string): Promise<void>;
  /** Connects and greets the relay without sending anything (the health check); rejects when it does not answer. */
  verify?(): Promise<void>;
  /** Closes connections; later sends fail. */
  close(): void;
}

/**
 * Short timeouts: a relay that does not answer should fail the attempt quickly so the queue's backoff,
 * not a hanging socket, decides when to try again.
 */
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 } as const;

/**
 * An SMTP transport from `SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host:465`). It greets with
 * `ehloName` (the private mail domain), never with the machine's or the platform's name; that wins over
 * a `name` in the URL.
 */
export function createSmtpTransport(url: string, ehloName: string): MailTransport {
  const transporter = nodemailer.createTransport({ ...parseConnectionUrl(url), ...TIMEOUTS, name: ehloName, logger: false, debug: false });
  return {
    async send(envelope, raw) {
      await transporter.sendMail({ envelope: { from: envelope.from, to: [envelope.to] }, raw });
    },
    async verify() {
      await transporter.verify();
    },
    close() {
      transporter.close();
    },
  };
}
