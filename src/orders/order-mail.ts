import { brandingOf, settingsOf } from '../accounts/accounts.service.js';
import { formatMinor } from '../domain/money.js';
import type { MailOutbox } from '../mail/outbox.js';
import type { Executor } from '../store/database.js';
import type { OrderMail } from './fulfilment.service.js';

/** The use cases' mail port over the outbox: turns an order and its reseller into each template's data. */
export function outboxOrderMail(outbox: MailOutbox): OrderMail {
  return {
    async queue(trx: Executor, email) {
      const { order, reseller, to, sequence } = email;
      const common = { orderId: order.id, resellerId: reseller.id, to, language: order.language, sequence };
      const domains = order.domains.map((d) => d.unicode);
      switch (email.template) {
        case 'order-confirmation':
          await outbox.enqueue(trx, {
            ...common,
            template: 'order-confirmation',
            data: {
              orderId: order.id,
              product: order.product,
              termMonths: order.termMonths,
              domains,
              approverEmail: order.domains.some((d) => d.dcv.method === 'email') ? order.approverEmail : null,
              recipientName: `${order.adminContact.firstName} ${order.adminContact.lastName}`,
              reseller: { name: reseller.name, branding: brandingOf(reseller) },
              onHold: order.hold !== null || order.status === 'on_hold',
            },
          });
          return;
        case 'approval':
          await outbox.enqueue(trx, {
            ...common,
            template: 'approval',
            data: { domains: email.approval.domains, approvalUrl: email.approval.approvalUrl, approvalCode: email.approval.approvalCode, expiresAt: new Date(email.approval.expiresAt) },
          });
          return;
        case 'dcv-instructions':
          await outbox.enqueue(trx, {
            ...common,
            template: 'dcv-instructions',
            data: {
              instructions: email.instructions.instructions,
              expiresAt: email.instructions.expiresAt === undefined ? null : new Date(email.instructions.expiresAt),
            },
          });
          return;
        case 'fulfilment':
          await outbox.enqueue(trx, {
            ...common,
            template: 'fulfilment',
            data: {
              orderId: order.id,
              domains,
              serialNumber: email.certificate.serialNumber,
              certificatePem: email.certificate.certificatePem,
              chainPem: email.certificate.chainPem,
              notBefore: new Date(email.certificate.notBefore),
              notAfter: new Date(email.certificate.notAfter),
            },
          });
          return;
        case 'hold-notice':
          await outbox.enqueue(trx, { ...common, template: 'hold-notice', data: { orderId: order.id, domains } });
          return;
        case 'expiry-notice':
          await outbox.enqueue(trx, { ...common, topic: email.notice.kind, template: 'expiry-notice', data: { kind: email.notice.kind, orderId: order.id, domains, at: email.notice.at } });
          return;
        case 'reseller-notice': {
          // To the reseller's account representative, in the reseller's own language; one email per kind.
          const { kind, amount, note, date, serialNumber } = email.notice;
          await outbox.enqueue(trx, {
            ...common,
            topic: kind,
            language: settingsOf(reseller).defaultLanguage,
            template: 'reseller-notice',
            data: {
              kind,
              orderId: order.id,
              domains,
              note,
              ...(amount !== undefined && { amount: `${formatMinor(amount.amount)} ${amount.currency}` }),
              ...(date !== undefined && { date }),
              ...(serialNumber !== undefined && { serialNumber }),
            },
          });
          return;
        }
      }
    },
  };
}
