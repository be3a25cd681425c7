import { simpleParser, type AddressObject, type HeaderValue } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';

/**
 * A local SMTP server that accepts every message and keeps it in memory: where the embedded default
 * relays its mail (DESIGN.md Real parts), and what tests read delivered messages from. It is a real
 * SMTP peer, so the outbox's transport is exercised as in production.
 */

/** A received message: its source as it arrived, the SMTP envelope, and the parsed parts. */
export interface SinkMessage {
  /** Arrival order, from 1. */
  readonly seq: number;
  readonly raw: Buffer;
  readonly envelope: { readonly mailFrom: string | null; readonly rcptTo: readonly string[] };
  /** The name the client greeted with (EHLO/HELO). */
  readonly helo: string;
  readonly from: { readonly address: string; readonly name: string } | undefined;
  readonly to: readonly string[];
  readonly replyTo: readonly string[];
  readonly subject: string | undefined;
  readonly messageId: string | undefined;
  readonly text: string | undefined;
  readonly html: string | undefined;
  readonly attachments: readonly { readonly filename: string | undefined; readonly contentType: string; readonly content: Buffer; readonly contentId: string | undefined }[];
  /** Header fields by lower-case name, as mailparser decodes them. */
  readonly headers: ReadonlyMap<string, HeaderValue>;
}

/** A running sink. */
export interface SmtpSink {
  /** The port it listens on (the one asked for, or the free one chosen for port 0). */
  readonly port: number;
  /** Received messages, oldest first (at most the last `maxMessages`). */
  messages(): SinkMessage[];
  /** The first kept or future message for which `predicate` holds; rejects after `timeoutMs`. */
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /** Stops listening; pending `waitFor` calls reject. */
  close(): Promise<void>;
}

/** Where a sink listens and how much it keeps. */
export interface SmtpSinkOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Older messages are dropped beyond this count (default 10 000), so memory stays bounded. */
  readonly maxMessages?: number;
  /** The largest message accepted (default {@link SINK_MAX_MESSAGE_BYTES}). */
  readonly maxMessageBytes?: number;
}

/** The largest message accepted by default (advertised with SIZE, RFC 1870; bigger ones are refused with 552). */
export const SINK_MAX_MESSAGE_BYTES = 25 * 1024 * 1024;
const DEFAULT_MAX_MESSAGES = 10_000;

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const objects = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return objects.flatMap((o) => o.value.flatMap((a) => (a.group ?? [a]).map((m) => m.address ?? ''))).filter((a) => a !== '');
}

async function parse(seq: number, raw: Buffer, session: SMTPServerSession): Promise<SinkMessage> {
  const mail = await simpleParser(raw, { skipImageLinks: true });
  const fromValue = mail.from?.value[0];
  const { mailFrom, rcptTo } = session.envelope;
  return {
    seq,
    raw,
    envelope: { mailFrom: mailFrom === false ? null : mailFrom.address, rcptTo: rcptTo.map((r) => r.address) },
    helo: session.hostNameAppearsAs,
    from: fromValue?.address === undefined ? undefined : { address: fromValue.address, name: fromValue.name },
    to: addresses(mail.to),
    replyTo: addresses(mail.replyTo),
    subject: mail.subject,
    messageId: mail.messageId,
    text: mail.text,
    html: mail.html === false ? undefined : mail.html,
    attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content, contentId: a.contentId })),
    headers: mail.headers,
  };
}

/** Starts a sink on `host:port` (default 127.0.0.1 and a free port): no authentication, no TLS. */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  const maxMessageBytes = options.maxMessageBytes ?? SINK_MAX_MESSAGE_BYTES;
  const kept: SinkMessage[] = [];
  const waiters = new Set<{ predicate: (m: SinkMessage) => boolean; resolve: (m: SinkMessage) => void; reject: (e: Error) => void }>();
  let seq = 0;

  const receive = (stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void): void => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => {
      // Past the limit the rest is read and dropped: the message is refused at the end anyway.
      if (!stream.sizeExceeded) chunks.push(chunk);
    });
    stream.on('end', () => {
      if (stream.sizeExceeded) {
        callback(Object.assign(new Error(`Message exceeds the fixed maximum message size of ${maxMessageBytes} bytes`), { responseCode: 552 }));
        return;
      }
      seq += 1;
      parse(seq, Buffer.concat(chunks), session).then(
        (message) => {
          kept.push(message);
          if (kept.length > maxMessages) kept.splice(0, kept.length - maxMessages);
          for (const waiter of waiters) {
            if (waiter.predicate(message)) {
              waiters.delete(waiter);
              waiter.resolve(message);
            }
          }
          callback();
        },
        (error: unknown) => callback(Object.assign(new Error(`Message could not be parsed: ${(error as Error).message}`), { responseCode: 554 })),
      );
    });
  };

  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxMessageBytes,
    logger: false,
    banner: 'ready',
    // Clients are local; a reverse DNS lookup per connection would only add latency (and DNS traffic).
    disableReverseLookup: true,
    onData: receive,
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      const address = server.server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  // A failing client connection is that client's problem; the sink keeps serving the others.
  server.on('error', () => undefined);

  return {
    port,
    messages: () => [...kept],
    waitFor(predicate, timeoutMs = 10_000) {
      const found = kept.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise<SinkMessage>((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (m: SinkMessage) => {
            clearTimeout(timer);
            resolve(m);
          },
          reject: (e: Error) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching message arrived at the SMTP sink within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close() {
      for (const waiter of waiters) waiter.reject(new Error('the SMTP sink was closed'));
      waiters.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
