import type { SinkMessage } from '../../src/mail/sink.js';
import type { Harness } from './harness.js';

/** The approval link and code of an approval email, as the approver reads them. */
export function approvalOf(message: SinkMessage): { url: string; code: string } {
  const url = /(http:\/\/127\.0\.0\.1:\d+\/approve\/[A-Za-z0-9_-]+)/.exec(message.text ?? '')?.[1];
  const code = /Approval code: (\S+)/.exec(message.text ?? '')?.[1];
  if (!url || !code) throw new Error(`no approval link or code in:\n${message.text}`);
  return { url, code };
}

/** Approves on the embedded CA's own site, as the approver would. */
export async function approve(approval: { url: string; code: string }): Promise<number> {
  const res = await fetch(approval.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `code=${encodeURIComponent(approval.code)}` });
  await res.text();
  return res.status;
}

/** The approval email of an order for `domain`, once the queue has sent it. */
export async function approvalFor(h: Harness, domain: string): Promise<{ url: string; code: string }> {
  await h.platform.runner.drain();
  return approvalOf(await h.sink.waitFor((m) => m.to.includes(`admin@${domain}`) && (m.text ?? '').includes('Approval code'), 5000));
}
