/** The one client of the `/v1` API: the same routes as API keys, signed in by the session cookie. */

export interface FieldError {
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

/** A failed request in the API's one error shape. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: readonly FieldError[];

  constructor(status: number, code: string, message: string, fields: readonly FieldError[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

let csrfToken: string | null = null;
let onSignedOut: () => void = () => undefined;

/** The session's CSRF token, repeated in X-CSRF-Token on every unsafe request. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API says the session has ended, so the app can show the sign-in page. */
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

/** Calls the API; a FormData body goes as multipart/form-data (document uploads), anything else as JSON. */
export async function api<T>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const form = options.body instanceof FormData;
  if (options.body !== undefined && !form) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(options.body !== undefined && { body: form ? (options.body as FormData) : JSON.stringify(options.body) }),
    ...(options.signal !== undefined && { signal: options.signal }),
  });
  if (response.status === 204) return undefined as T;
  const json = (await response.json().catch(() => null)) as { error?: { code: string; message: string; fields?: FieldError[] } } | null;
  if (!response.ok) {
    const error = json?.error ?? { code: 'network', message: response.statusText };
    if (response.status === 401 && (error.code === 'session.expired' || error.code === 'auth.invalid_key')) onSignedOut();
    throw new ApiError(response.status, error.code, error.message, error.fields ?? []);
  }
  return json as T;
}

export interface Money {
  readonly amount: number;
  readonly currency: string;
}

export interface Session {
  readonly user: { id: string; email: string; role: 'owner' | 'member' | 'staff' };
  readonly account: { kind: 'reseller' | 'staff'; id: string; name: string };
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export type OrderStatus = 'received' | 'on_hold' | 'released' | 'awaiting_validation' | 'issued' | 'rejected' | 'cancelled' | 'cancelled_by_supplier';
export const ORDER_STATUSES: readonly OrderStatus[] = ['received', 'on_hold', 'released', 'awaiting_validation', 'issued', 'rejected', 'cancelled', 'cancelled_by_supplier'];

export interface Order {
  readonly id: string;
  readonly status: OrderStatus;
  readonly product: string;
  readonly termMonths: number;
  readonly domains: string[];
  readonly domainDetails: { name: string; unicode: string }[];
  readonly approverEmail: string;
  readonly price: Money;
  readonly hold: { by: 'platform' | 'supplier'; since: string } | null;
  readonly createdAt: string;
  readonly releasedAt: string | null;
  readonly cancellableAt: string | null;
  readonly cancellationRefund: Money | null;
}

export interface OrderEvent {
  readonly id: number;
  readonly at: string;
  readonly type: string;
  readonly fromStatus: OrderStatus | null;
  readonly toStatus: OrderStatus | null;
  readonly actor: { type: string };
  readonly note: string | null;
}

export interface OrderDetails extends Order {
  readonly adminContact: { firstName: string; lastName: string; email: string; phone: string; country: string };
  readonly events: OrderEvent[];
  /** Present once the API reports subscriptions. */
  readonly subscription?: Subscription | null;
}

export interface Page<T> {
  readonly data: T[];
  readonly nextCursor: string | null;
}

export interface Product {
  readonly code: string;
  readonly name: string;
  readonly validation: 'dv' | 'ov' | 'ev';
  readonly maxNames: number;
  readonly terms: { termMonths: number; price: Money }[];
}

export interface LedgerEntry {
  readonly id: string;
  readonly kind: 'top_up' | 'order_debit' | 'refund' | 'adjustment';
  readonly amount: Money;
  readonly balanceAfter: Money;
  readonly orderId: string | null;
  readonly reference: string;
  readonly note: string | null;
  readonly createdAt: string;
}

export interface Branding {
  displayName?: string;
  logo?: string;
  primaryColor?: string;
  accentColor?: string;
  signature?: string;
  supportEmail?: string;
  supportPhone?: string;
  website?: string;
}

export interface AccountSettings {
  readonly defaultLanguage: 'en' | 'de';
  readonly documentRequestsTo: 'reseller' | 'customer';
  /** Renewals within a term reuse the previous CSR (its key) instead of asking for a new one. */
  readonly renewalKeyReuse: boolean;
}

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly repEmail: string;
  readonly currency: string;
  readonly balance: Money;
  readonly creditLimit: Money;
  readonly available: Money;
  readonly branding: Branding;
  readonly settings: AccountSettings;
  readonly createdAt: string;
}

export interface ApiKey {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export const DOCUMENT_KINDS = ['registration_extract', 'proof_of_address', 'attestation_letter', 'callback_verification', 'other'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export interface DocumentRequest {
  readonly id: string;
  readonly kind: DocumentKind;
  readonly note: string;
  readonly requestedAt: string;
  readonly answeredAt: string | null;
}

export interface OrderDocument {
  readonly id: string;
  readonly requestId: string;
  readonly type: DocumentKind;
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly uploadedAt: string;
  readonly forwardedAt: string | null;
}

export interface SubscriptionCertificate {
  readonly id: string;
  readonly serialNumber: string;
  readonly kind: 'initial' | 'reissue' | 'renewal';
  readonly notBefore: string;
  readonly notAfter: string;
  readonly status: 'current' | 'superseded' | 'revoking' | 'revoked' | 'expired';
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
}

/** The certificate subscription of an order: its term, the certificates issued in it, what is pending and next. */
export interface Subscription {
  readonly termMonths: number;
  readonly startsAt: string | null;
  readonly endsAt: string | null;
  readonly certificates: SubscriptionCertificate[];
  readonly pending: { requestId: string; kind: string; status: string; createdAt: string }[];
  readonly next: { action: string; at: string | null; note: string };
}

export interface DecodedCsr {
  readonly subject: Record<string, string>;
  readonly names: string[];
  readonly key: { type: 'rsa'; bits: number } | { type: 'ec'; curve: string; bits: number };
  readonly signatureAlgorithm: string;
}

/** A message for the person at the screen: the API's own sentence, or the exception's. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
