import { orderCancellableAt, type Order, type OrderEvent } from '../domain/order.js';
import type { Subscription } from '../orders/subscriptions.service.js';
import { listPrice, PRODUCTS, TERM_MONTHS, type PriceEntry, type ProductCode, type TermMonths } from '../domain/products.js';
import { defaultCertificateValidityDays } from '../domain/validity.js';
import type { LedgerEntry } from '../ledger/ledger.js';
import type { ApiKeyInfo, Reseller } from '../store/accounts.repository.js';
import type { OrderDetails } from '../store/orders.repository.js';
import { brandingOf, settingsOf } from '../accounts/accounts.service.js';

/** JSON views of domain objects: the API's public shapes, in one place. */

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

export function presentOrder(order: Order) {
  return {
    id: order.id,
    status: order.status,
    product: order.product,
    termMonths: order.termMonths,
    domains: order.domains.map((d) => d.name),
    domainDetails: order.domains.map((d) => ({ name: d.name, unicode: d.unicode, dcv: d.dcv })),
    approverEmail: order.approverEmail,
    price: order.price,
    language: order.language,
    hold: order.hold && { by: order.hold.by, since: order.hold.since.toISOString() },
    createdAt: order.createdAt.toISOString(),
    releasedAt: iso(order.releasedAt),
    cancellableAt: iso(orderCancellableAt(order)),
    // What a cancellation would refund: the whole price while the order can still be cancelled.
    cancellationRefund: orderCancellableAt(order) === null ? null : order.price,
  };
}

export function presentOrderDetails(order: OrderDetails, events: readonly OrderEvent[], subscription?: Subscription) {
  return {
    ...(subscription !== undefined && { subscription: presentSubscription(subscription) }),
    ...presentOrder(order),
    adminContact: order.adminContact,
    organization: order.organization,
    csr: { pem: order.csrPem, sha256: order.csrSha256 },
    events: events.map((e) => ({
      id: e.id,
      at: e.at.toISOString(),
      type: e.type,
      fromStatus: e.fromStatus,
      toStatus: e.toStatus,
      actor: { type: e.actor.type },
      note: e.note,
    })),
  };
}

export function presentAccount(r: Reseller) {
  return {
    id: r.id,
    name: r.name,
    repEmail: r.repEmail,
    currency: r.currency,
    balance: r.balance,
    creditLimit: r.creditLimit,
    available: { amount: r.balance.amount + r.creditLimit.amount, currency: r.currency },
    branding: brandingOf(r),
    settings: settingsOf(r),
    createdAt: r.createdAt.toISOString(),
  };
}

export function presentLedgerEntry(e: LedgerEntry) {
  return {
    id: String(e.id),
    kind: e.kind,
    amount: e.amount,
    balanceAfter: e.balanceAfter,
    orderId: e.orderId,
    reference: e.reference.replace(/^(top_up|adjustment):/, ''),
    note: e.note,
    createdAt: e.createdAt.toISOString(),
  };
}

export function presentApiKey(k: ApiKeyInfo) {
  return { id: k.id, name: k.name, prefix: k.prefix, createdAt: k.createdAt.toISOString(), revokedAt: iso(k.revokedAt) };
}

/** The catalog as a reseller sees it, with its prices per term (its own where staff set them). */
export function presentProducts(now: Date, currency: string, prices: ReadonlyMap<string, PriceEntry>) {
  return Object.values(PRODUCTS).map((p) => ({
    code: p.code,
    name: p.name,
    validation: p.validation,
    wildcard: p.wildcard,
    includedNames: p.includedNames,
    maxNames: p.maxNames,
    companionName: p.companionName,
    supplier: p.supplier,
    certificateValidityDays: defaultCertificateValidityDays(now),
    terms: TERM_MONTHS.map((termMonths) => {
      const entry = prices.get(priceKey(p.code, termMonths)) ?? listPrice(p.code, termMonths);
      return {
        termMonths,
        price: { amount: entry.amount, currency },
        extraNamePrice: { amount: entry.extraNameAmount, currency },
      };
    }),
  }));
}

export function priceKey(product: ProductCode | string, termMonths: TermMonths | number): string {
  return `${product}/${termMonths}`;
}

export function presentSubscription(s: Subscription) {
  return {
    termMonths: s.termMonths,
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    certificates: s.certificates.map((c) => ({
      id: c.id,
      serialNumber: c.serialNumber,
      kind: c.kind,
      notBefore: c.notBefore.toISOString(),
      notAfter: c.notAfter.toISOString(),
      issuedAt: c.issuedAt.toISOString(),
      status: c.status,
      revokedAt: iso(c.revokedAt),
      revocationReason: c.revocationReason,
    })),
    pending: s.pending.map((p) => ({ requestId: p.requestId, kind: p.kind, status: p.status, createdAt: p.createdAt.toISOString() })),
    next: { action: s.next.action, at: iso(s.next.at), note: s.next.note },
    renews: s.renews,
    renewedBy: s.renewedBy,
  };
}
