/** One problem with one field of a request, on a dotted path such as `domains[1]` or `adminContact.email`. */
export interface FieldError {
  /** Dotted path with indexes in brackets and quoted map keys: `csr`, `domains[1]`, `dcv["example.com"].email`. */
  readonly path: string;
  /** Stable, machine-readable rule name, e.g. `csr.key_too_small`. */
  readonly code: string;
  /** Plain sentence for a person, naming the rule that was broken. */
  readonly message: string;
}

/** The kinds of failure a use case can report; `http/` maps each to one status code in one place. */
export const ERROR_KINDS = [
  'invalid',
  'malformed',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payment_required',
  'rate_limited',
  'payload_too_large',
  'internal',
  'unavailable',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/**
 * The one error type that crosses component boundaries (after Boulder's `BoulderError`).
 * `message` is safe to show to the caller; internal detail belongs in logs, never here.
 */
export class CertbrokerError extends Error {
  readonly kind: ErrorKind;
  readonly code: string;
  readonly fields: readonly FieldError[];

  constructor(kind: ErrorKind, code: string, message: string, fields: readonly FieldError[] = []) {
    super(message);
    this.name = 'CertbrokerError';
    this.kind = kind;
    this.code = code;
    this.fields = fields;
  }
}

/** Builds a field path segment for a map key: `dcv["example.com"]`. */
export function keyPath(base: string, key: string): string {
  return `${base}[${JSON.stringify(key)}]`;
}
