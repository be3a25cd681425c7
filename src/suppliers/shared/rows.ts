/** Reading the adapters' own rows as both drivers return them (PGlite and node-postgres differ in types). */

export function date(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

export function optionalDate(value: unknown): Date | null {
  return value === null || value === undefined ? null : date(value);
}

export function json<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function optionalText(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
