/**
 * What both supplier harnesses hand an adapter and read back: a recording event sink, a look at its
 * tables, the error it refuses with, and a fresh context for every test.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { SupplierError, type SqlPort, type SupplierEvent, type SupplierEventSink } from '../../src/suppliers/supplier.js';

/** Records every event; can be told to fail once, like a platform that is down for a moment. */
export class RecordingEventSink implements SupplierEventSink {
  readonly events: SupplierEvent[] = [];
  #failWhen: ((event: SupplierEvent) => boolean) | undefined;

  async emit(event: SupplierEvent): Promise<void> {
    if (this.#failWhen?.(event)) {
      this.#failWhen = undefined;
      throw new Error('the platform is not reachable');
    }
    this.events.push(event);
  }

  /** The next event that matches `predicate` fails instead of being recorded. */
  failOnce(predicate: (event: SupplierEvent) => boolean): void {
    this.#failWhen = predicate;
  }

  ofType<T extends SupplierEvent['type']>(type: T): Extract<SupplierEvent, { type: T }>[] {
    return this.events.filter((event): event is Extract<SupplierEvent, { type: T }> => event.type === type);
  }

  /** The timeline details of one order, in order. */
  timeline(orderId: string): string[] {
    return this.ofType('validation_started')
      .filter((event) => event.orderId === orderId)
      .map((event) => event.detail);
  }
}

/** Reads an adapter's tables: a dump for failure messages, and counts. */
export function tableInspector(sql: SqlPort) {
  return {
    async dump(table: string): Promise<string> {
      const rows = await sql.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t`);
      return rows.map((r) => r.row).join('\n');
    },
    async count(table: string, where = 'true', params: readonly unknown[] = []): Promise<number> {
      const [row] = await sql.query<{ n: number }>(`select count(*)::int as n from ${table} where ${where}`, params);
      return Number(row?.n);
    },
  };
}

/** The supplier error a promise rejects with. */
export async function refusal(promise: Promise<unknown>): Promise<SupplierError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SupplierError);
  return error as SupplierError;
}

/**
 * Opens a context with `open` before each test of the enclosing `describe` and closes it after the test.
 * The object returned stands for the running test's context, so a suite reads `ctx.events` as if it held
 * the context itself.
 */
export function contextPerTest<C extends { close(): Promise<void> }>(open: () => Promise<C>): C {
  let current: C | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return new Proxy({} as C, {
    get(_, key) {
      if (current === undefined) throw new Error(`the test context is open only while a test runs (read: ${String(key)})`);
      return Reflect.get(current, key);
    },
  });
}
