import { SMTPServer } from 'smtp-server';

/**
 * A relay that refuses chosen recipients with a reply of the test's choosing (a full mailbox, say) and
 * takes the rest: where the outbox meets an answer it cannot get past.
 */
export interface RefusingRelay {
  /** Recipients of the messages taken, in order. */
  readonly delivered: string[];
  close(): Promise<void>;
}

/** Starts the relay on 127.0.0.1:`port`; `refuse` returns the reply for a recipient, or undefined to take it. */
export async function startRefusingRelay(port: number, refuse: (recipient: string) => { code: number; message: string } | undefined): Promise<RefusingRelay> {
  const delivered: string[] = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    disableReverseLookup: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      const refusal = refuse(address.address);
      callback(refusal && Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        delivered.push(...session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { delivered, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
