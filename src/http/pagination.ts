import { CertbrokerError } from '../domain/errors.js';

/** Cursor pagination of the API: opaque `nextCursor` strings over a (created_at, id) or id position. */

function invalidCursor(): CertbrokerError {
  return new CertbrokerError('invalid', 'cursor.invalid', 'The cursor is not one this API returned.', [
    { path: 'cursor', code: 'cursor.invalid', message: 'cursor must be a value of nextCursor from a previous page.' },
  ]);
}

/** A page size from the query: 1 to 100, default 20. */
export function pageLimit(value: unknown): number {
  const limit = value === undefined ? 20 : Number(value);
  if (Number.isInteger(limit) && limit >= 1 && limit <= 100) return limit;
  throw new CertbrokerError('invalid', 'query.invalid', 'The query has invalid parameters.', [
    { path: 'limit', code: 'limit.out_of_range', message: 'limit must be a whole number from 1 to 100.' },
  ]);
}

export function encodeTimeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

/** The (createdAt, id) position of a cursor, or undefined when none was given. */
export function decodeTimeCursor(cursor: unknown): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  if (typeof cursor !== 'string') throw invalidCursor();
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'string' && typeof id === 'string' && !Number.isNaN(Date.parse(at))) return { createdAt: new Date(at), id };
  } catch {
    // not ours: refused below
  }
  throw invalidCursor();
}

/** A numeric id cursor (ledger entries, deliveries, jobs), or undefined when none was given. */
export function decodeIdCursor(cursor: unknown): number | undefined {
  if (cursor === undefined) return undefined;
  const n = typeof cursor === 'string' && /^\d{1,15}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (Number.isSafeInteger(n)) return n;
  throw invalidCursor();
}

/** Splits a `limit + 1` fetch into the page and its next cursor. */
export function paginate<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
