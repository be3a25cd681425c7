import { connect } from 'node:net';

/**
 * A bare SMTP client for tests that need the conversation itself: which command got which reply, the
 * EHLO capabilities, the null reverse-path `MAIL FROM:<>` (which mail libraries do not send).
 */

/** One reply: its code and its lines without the code. */
export interface SmtpReply {
  readonly code: number;
  readonly lines: readonly string[];
  /** The whole reply as received, e.g. `550 5.1.1 <x@y>: unknown address`. */
  readonly text: string;
}

export interface SmtpSession {
  /** The server's greeting. */
  readonly greeting: SmtpReply;
  /** Sends one command line and reads its reply. */
  command(line: string): Promise<SmtpReply>;
  /** Sends a message after a 354 (dot-stuffed, ended with `.`) and reads the final reply. */
  data(raw: string): Promise<SmtpReply>;
  /** QUIT and close. */
  quit(): Promise<void>;
}

/** Connects to 127.0.0.1:`port` and reads the greeting. */
export async function openSmtp(port: number): Promise<SmtpSession> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let buffer = '';
  let waiting: { resolve: (reply: SmtpReply) => void; reject: (error: Error) => void } | undefined;
  let ended: Error | undefined;
  const pending: SmtpReply[] = [];
  const reply = /^(?:\d{3}-[^\r\n]*\r\n)*\d{3}(?: [^\r\n]*)?\r\n/;

  socket.on('data', (chunk: string) => {
    buffer += chunk;
    // A reply ends with the line whose code is followed by a space (RFC 5321 §4.2.1).
    for (let match = reply.exec(buffer); match; match = reply.exec(buffer)) {
      buffer = buffer.slice(match[0].length);
      const lines = match[0].split('\r\n').filter((l) => l !== '');
      const parsed = { code: Number(lines[0]?.slice(0, 3)), lines: lines.map((l) => l.slice(4)), text: lines.join('\n') };
      if (waiting) {
        waiting.resolve(parsed);
        waiting = undefined;
      } else pending.push(parsed);
    }
  });
  const end = (error: Error) => {
    ended ??= error;
    waiting?.reject(ended);
    waiting = undefined;
  };
  socket.on('error', end);
  socket.on('close', () => end(new Error('the SMTP connection closed')));

  const next = () =>
    new Promise<SmtpReply>((resolve, reject) => {
      const queued = pending.shift();
      if (queued) return resolve(queued);
      if (ended) return reject(ended);
      waiting = { resolve, reject };
    });

  const greeting = await next();
  return {
    greeting,
    command(line) {
      socket.write(`${line}\r\n`);
      return next();
    },
    data(raw) {
      const body = raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
      socket.write(`${body}${body.endsWith('\r\n') ? '' : '\r\n'}.\r\n`);
      return next();
    },
    async quit() {
      if (ended) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.end('QUIT\r\n');
      await closed;
    },
  };
}

/** A whole transaction: EHLO, MAIL FROM, RCPT TO (each), DATA; the replies of each step. */
export async function sendSmtp(
  port: number,
  envelope: { from: string; to: readonly string[]; /** Announced with the SIZE parameter (RFC 1870). */ size?: number },
  raw: string,
): Promise<{ ehlo: SmtpReply; mail: SmtpReply; rcpt: SmtpReply[]; data?: SmtpReply; final?: SmtpReply }> {
  const session = await openSmtp(port);
  try {
    const ehlo = await session.command('EHLO client.example.org');
    const mail = await session.command(`MAIL FROM:<${envelope.from}>${envelope.size !== undefined ? ` SIZE=${envelope.size}` : ''}`);
    const rcpt: SmtpReply[] = [];
    for (const to of envelope.to) rcpt.push(await session.command(`RCPT TO:<${to}>`));
    if (mail.code !== 250 || !rcpt.some((r) => r.code === 250)) return { ehlo, mail, rcpt };
    const data = await session.command('DATA');
    if (data.code !== 354) return { ehlo, mail, rcpt, data };
    return { ehlo, mail, rcpt, data, final: await session.data(raw) };
  } finally {
    await session.quit();
  }
}
