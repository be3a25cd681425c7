import { z } from 'zod';
import { ORDER_STATUSES, LANGUAGES } from '../domain/order.js';
import { PRODUCT_CODES, TERM_MONTHS } from '../domain/products.js';
import { CURRENCIES } from '../domain/money.js';
import { LEDGER_KINDS } from '../ledger/ledger.js';
import { REVOCATION_REASONS } from '../domain/revocation.js';

const REVOCATION_REASON_NAMES = Object.keys(REVOCATION_REASONS) as [keyof typeof REVOCATION_REASONS, ...(keyof typeof REVOCATION_REASONS)[]];

/**
 * Zod schemas of the public API, used to generate the OpenAPI document. Requests are checked by the
 * pure `validation/` module instead, so that every error carries the same field path, code and message
 * whether it comes from `POST /v1/orders/validate` or from `POST /v1/orders`.
 */

export const money = z.object({ amount: z.number().int().describe('minor units (cents)'), currency: z.enum(CURRENCIES) });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ path: z.string().describe('e.g. domains[1], adminContact.email, dcv["example.com"].email'), code: z.string(), message: z.string() })),
    }),
  })
  .describe('The one error shape of the API');

const dcvChoice = z.union([
  z.object({ method: z.literal('email'), email: z.string() }),
  z.object({ method: z.literal('dns') }),
  z.object({ method: z.literal('http') }),
]);

export const contact = z.object({
  firstName: z.string(),
  lastName: z.string(),
  email: z.string(),
  phone: z.string().describe('any common notation; stored as E.164'),
  country: z.string().describe('ISO 3166-1 alpha-2'),
  title: z.string().optional(),
});

export const organization = z.object({
  legalName: z.string(),
  registrationNumber: z.string(),
  address: z.string(),
  city: z.string(),
  postalCode: z.string(),
  country: z.string(),
  state: z.string().optional(),
  phone: z.string().optional(),
  jurisdictionCountry: z.string().optional().describe('EV: required'),
  jurisdictionState: z.string().optional(),
  jurisdictionLocality: z.string().optional(),
  businessCategory: z.enum(['private_organization', 'government_entity', 'business_entity', 'non_commercial_entity']).optional().describe('EV: required'),
  incorporationDate: z.string().optional(),
});

export const orderRequest = z
  .object({
    product: z.enum(PRODUCT_CODES),
    termMonths: z.union(TERM_MONTHS.map((t) => z.literal(t)) as unknown as [z.ZodLiteral<12>, z.ZodLiteral<24>, z.ZodLiteral<36>]),
    csr: z.string().describe('PKCS#10 in PEM (or base64 DER)'),
    domains: z.array(z.string()).describe("the CSR's names; Unicode or A-labels"),
    approverEmail: z.string().describe("the approver email contact; for each domain one of that domain's allowed addresses unless dcv says otherwise"),
    dcv: z.record(z.string(), dcvChoice).optional().describe('per domain'),
    adminContact: contact,
    organization: organization.optional().describe('OV/EV only'),
    language: z.enum(LANGUAGES).optional().describe("customer email language; default: the reseller's"),
    renewsOrderId: z.string().optional().describe('the order whose term this one continues (a renewal); one renewal per order'),
  })
  .describe('A new order. Partial orders may be sent to /v1/orders/validate.');

const event = z.object({
  id: z.number(),
  at: z.string(),
  type: z.string(),
  fromStatus: z.enum(ORDER_STATUSES).nullable(),
  toStatus: z.enum(ORDER_STATUSES).nullable(),
  actor: z.object({ type: z.string() }),
  note: z.string().nullable(),
});

export const order = z.object({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  product: z.enum(PRODUCT_CODES),
  termMonths: z.number(),
  domains: z.array(z.string()).describe('A-labels'),
  domainDetails: z.array(z.object({ name: z.string(), unicode: z.string(), dcv: dcvChoice })),
  approverEmail: z.string(),
  price: money,
  language: z.enum(LANGUAGES),
  hold: z.object({ by: z.enum(['platform', 'supplier']), since: z.string() }).nullable(),
  createdAt: z.string(),
  releasedAt: z.string().nullable(),
  cancellableAt: z.string().nullable().describe('from when a cancellation is possible; null once it no longer is'),
  cancellationRefund: money.nullable().describe('what a cancellation would refund'),
});

export const subscription = z
  .object({
    termMonths: z.number(),
    startsAt: z.string().nullable().describe('When the first certificate was issued'),
    endsAt: z.string().nullable().describe('startsAt + termMonths: certificates follow one another until then'),
    certificates: z.array(
      z.object({
        id: z.string(),
        serialNumber: z.string(),
        kind: z.enum(['initial', 'reissue', 'renewal']),
        notBefore: z.string(),
        notAfter: z.string(),
        issuedAt: z.string(),
        status: z.enum(['current', 'superseded', 'revoking', 'revoked', 'expired']),
        revokedAt: z.string().nullable(),
        revocationReason: z.enum(REVOCATION_REASON_NAMES).nullable(),
      }),
    ),
    pending: z.array(z.object({ requestId: z.string(), kind: z.enum(['initial', 'reissue', 'renewal']), status: z.string(), createdAt: z.string() })),
    next: z.object({
      action: z.enum(['none', 'renewal', 'renewal_awaiting_csr', 'renewal_in_progress', 'term_ends', 'ended']),
      at: z.string().nullable(),
      note: z.string(),
    }),
    renews: z.string().nullable().describe('The order this one renews'),
    renewedBy: z.string().nullable().describe('The order that renews this one'),
  })
  .describe('The term and the chain of certificates that covers it');

export const orderDetails = order.extend({
  adminContact: contact,
  organization: organization.nullable(),
  csr: z.object({ pem: z.string(), sha256: z.string() }),
  events: z.array(event),
  subscription: subscription.optional(),
});

export const page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

export const validationReport = z.object({
  valid: z.boolean(),
  errors: errorResponse.shape.error.shape.fields,
  price: money.nullable(),
});

export const account = z.object({
  id: z.string(),
  name: z.string(),
  repEmail: z.string(),
  currency: z.enum(CURRENCIES),
  balance: money,
  creditLimit: money,
  available: money,
  branding: z.record(z.string(), z.string()),
  settings: z.object({ defaultLanguage: z.enum(LANGUAGES), documentRequestsTo: z.enum(['reseller', 'customer']), renewalKeyReuse: z.boolean() }),
  createdAt: z.string(),
});

export const ledgerEntry = z.object({
  id: z.string(),
  kind: z.enum(LEDGER_KINDS),
  amount: money,
  balanceAfter: money,
  orderId: z.string().nullable(),
  reference: z.string(),
  note: z.string().nullable(),
  createdAt: z.string(),
});

export const apiKey = z.object({ id: z.string(), name: z.string(), prefix: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() });

export const branding = z.object({
  displayName: z.string().optional(),
  logo: z.string().optional().describe('data:image/png;base64,… or data:image/jpeg;base64,…, at most 256 KiB'),
  primaryColor: z.string().optional().describe('#rrggbb'),
  accentColor: z.string().optional(),
  signature: z.string().optional(),
  supportEmail: z.string().optional(),
  supportPhone: z.string().optional(),
  website: z.string().optional(),
});

export const idParams = z.object({ id: z.string() });
