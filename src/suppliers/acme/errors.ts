/**
 * ACME problems (RFC 8555 6.7) turned into what a reseller can act on: one {@link SupplierError} code
 * per kind of trouble, `retryable` when the same call may succeed later without anyone changing anything.
 */
import { SupplierError } from '../supplier.js';
import { AcmeProblem, AcmeUnreachable, shortType, type Subproblem } from './transport.js';

/** The ACME problem types of a failed challenge (RFC 8555 6.7), used as the error codes of a validation failure. */
export const VALIDATION_FAILURES = ['incorrectResponse', 'dns', 'connection', 'unauthorized', 'tls', 'caa'] as const;

/** A {@link SupplierError} with what the CA said, and when it allows the next attempt. */
export class AcmeSupplierError extends SupplierError {
  /** The ACME problem type, e.g. `urn:ietf:params:acme:error:rateLimited`, if the CA sent one. */
  readonly problemType: string | undefined;

  constructor(code: string, message: string, options: { retryable: boolean; problemType?: string; retryAt?: Date }) {
    super(code, message, { retryable: options.retryable, ...(options.retryAt !== undefined && { retryAt: options.retryAt }) });
    this.name = 'AcmeSupplierError';
    this.problemType = options.problemType;
  }
}

/** Problem type → error code and whether waiting alone can help. Types not listed are refusals of the request. */
const PROBLEM_CODES: Readonly<Record<string, { readonly code: string; readonly retryable: boolean }>> = {
  rejectedIdentifier: { code: 'rejectedIdentifier', retryable: false },
  // RFC 8555 6.7: an identifier type the CA does not support is, for the reseller, a name it will not certify.
  unsupportedIdentifier: { code: 'rejectedIdentifier', retryable: false },
  caa: { code: 'caa', retryable: false },
  rateLimited: { code: 'rateLimited', retryable: true },
  badNonce: { code: 'badNonce', retryable: true },
  serverInternal: { code: 'ca_unavailable', retryable: true },
  badCSR: { code: 'badCSR', retryable: false },
  badPublicKey: { code: 'badCSR', retryable: false },
  externalAccountRequired: { code: 'account', retryable: false },
  accountDoesNotExist: { code: 'account', retryable: false },
  orderNotReady: { code: 'orderNotReady', retryable: true },
  incorrectResponse: { code: 'incorrectResponse', retryable: false },
  dns: { code: 'dns', retryable: false },
  connection: { code: 'connection', retryable: false },
  unauthorized: { code: 'unauthorized', retryable: false },
  tls: { code: 'tls', retryable: false },
};

function withSubproblems(detail: string, subproblems: readonly Subproblem[]): string {
  if (subproblems.length === 0) return detail;
  return `${detail} ${subproblems.map((sub) => `${sub.identifier ?? 'one name'}: ${sub.detail} (${shortType(sub.type)})`).join('; ')}.`;
}

/**
 * The error for a problem document. `what` says what was being done ("creating the order"), so the
 * message reads as a sentence; the CA's detail (and every subproblem, RFC 8555 6.7.1) is kept.
 */
export function errorFromProblem(supplier: string, what: string, problem: AcmeProblem, now: Date): AcmeSupplierError {
  const type = shortType(problem.type);
  const mapped = PROBLEM_CODES[type] ?? (problem.status >= 500 ? { code: 'ca_unavailable', retryable: true } : { code: 'ca_refused', retryable: false });
  const retryAt = problem.retryAfterSeconds === undefined ? undefined : new Date(now.getTime() + problem.retryAfterSeconds * 1000);
  const when = mapped.code === 'rateLimited' ? (retryAt === undefined ? ' Try again later.' : ` Try again after ${retryAt.toISOString()}.`) : '';
  return new AcmeSupplierError(mapped.code, `${supplier}: the CA refused ${what}: ${withSubproblems(problem.detail, problem.subproblems)}${when}`, {
    retryable: mapped.retryable,
    problemType: problem.type,
    ...(retryAt !== undefined && { retryAt }),
  });
}

/**
 * Any failure of a call to the CA as a {@link SupplierError}: problem documents by their type, an
 * unreachable CA as `ca_unreachable` (retryable), and anything else the client library raised (e.g.
 * `badNonce` after its own retries ran out) as `ca_error`, retryable.
 */
export function toSupplierError(supplier: string, what: string, error: unknown, now: Date): SupplierError {
  if (error instanceof SupplierError) return error;
  if (error instanceof AcmeProblem) return errorFromProblem(supplier, what, error, now);
  if (error instanceof AcmeUnreachable) {
    return new AcmeSupplierError('ca_unreachable', `${supplier}: the CA could not be reached while ${what}: ${error.message}. The attempt will be repeated.`, { retryable: true });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AcmeSupplierError('ca_error', `${supplier}: ${what} failed: ${message}`, { retryable: true });
}

/**
 * The error for a failed challenge, from the `error` of the challenge or authorization object (RFC 8555
 * 7.1.4, 8.2): its type is the code (`incorrectResponse`, `dns`, `connection`, `unauthorized`, …), and
 * the CA's detail is the message. Not retryable: the published record must change first.
 */
export function validationError(supplier: string, name: string, error: { readonly type?: unknown; readonly detail?: unknown } | undefined): AcmeSupplierError {
  const type = typeof error?.type === 'string' ? error.type : '';
  const detail = typeof error?.detail === 'string' && error.detail !== '' ? error.detail : 'the CA gave no detail';
  const short = shortType(type);
  const code = (VALIDATION_FAILURES as readonly string[]).includes(short) ? short : 'validation_failed';
  return new AcmeSupplierError(code, `${supplier}: validation of ${name} failed: ${detail}${short === '' ? '' : ` (${short})`}.`, {
    retryable: false,
    ...(type !== '' && { problemType: type }),
  });
}
