/** What both supplier harnesses hand an adapter and read back: a recording event sink, and a look at its tables. */
import type { SqlPort, SupplierEvent, SupplierEventSink } from '../../src/suppliers/supplier.js';

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
