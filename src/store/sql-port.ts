import { sql, type Kysely } from 'kysely';
import type { Db, Tx } from './database.js';

/** Plain SQL with `$1…` parameters over Kysely: the storage port handed to supplier adapters. */
export interface PlainSql {
  query<Row = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Row[]>;
  transaction<T>(work: (tx: PlainSql) => Promise<T>): Promise<T>;
}

/** Splits `$n` placeholders into Kysely's template form so values stay parameters, never text. */
function compile(text: string, params: readonly unknown[]) {
  const parts = text.split(/\$(\d+)/);
  const strings: string[] = [];
  const values: unknown[] = [];
  for (let i = 0; i < parts.length; i += 1) {
    if (i % 2 === 0) strings.push(parts[i] as string);
    else {
      const index = Number(parts[i]) - 1;
      if (index < 0 || index >= params.length) throw new RangeError(`SQL parameter $${index + 1} has no value`);
      values.push(params[index]);
    }
  }
  return sql.join(
    strings.flatMap((s, i) => (i < values.length ? [sql.raw(s), sql`${values[i]}`] : [sql.raw(s)])),
    sql.raw(''),
  );
}

function port(executor: Db | Tx, nested: boolean): PlainSql {
  return {
    async query<Row>(text: string, params: readonly unknown[] = []) {
      const result = await compile(text, params).execute(executor as Kysely<unknown>);
      return result.rows as Row[];
    },
    async transaction<T>(work: (tx: PlainSql) => Promise<T>) {
      if (nested) return work(port(executor, true));
      return (executor as Db).transaction().execute((trx) => work(port(trx, true)));
    },
  };
}

/** A storage port on the platform's database for an adapter that keeps its own tables. */
export function createSqlPort(db: Db): PlainSql {
  return port(db, false);
}
