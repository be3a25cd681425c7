import { createServer, type Server } from 'node:http';
import { signWebhook } from '../../src/orders/webhooks.js';

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: number;
  readonly signature: string;
  readonly body: string;
  readonly json: { id: string; type: string; data: Record<string, unknown> };
}

/** A webhook endpoint on loopback that records every delivery; `failNext` answers 500 that many times. */
export async function startWebhookReceiver(): Promise<{ url: string; received: ReceivedWebhook[]; failNext(n: number): void; verify(secret: string, w: ReceivedWebhook): boolean; close(): Promise<void> }> {
  const received: ReceivedWebhook[] = [];
  let failures = 0;
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        response.writeHead(500).end('try later');
        return;
      }
      received.push({
        id: String(request.headers['webhook-id']),
        timestamp: Number(request.headers['webhook-timestamp']),
        signature: String(request.headers['webhook-signature']),
        body,
        json: JSON.parse(body) as ReceivedWebhook['json'],
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    received,
    failNext: (n) => {
      failures = n;
    },
    verify: (secret, w) => signWebhook(secret, w.id, w.timestamp, w.body) === w.signature,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
