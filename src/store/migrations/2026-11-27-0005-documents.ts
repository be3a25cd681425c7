import { sql, type Kysely } from 'kysely';
import { DOCUMENT_CONTENT_TYPES, DOCUMENT_KINDS, MAX_DOCUMENT_BYTES } from '../../domain/documents.js';

/** `'a', 'b'` for a check constraint over a closed set declared in `domain/`. */
const list = (values: readonly string[]) => sql.raw(values.map((value) => `'${value}'`).join(', '));

export async function up(db: Kysely<unknown>): Promise<void> {
  // OV/EV document requests a supplier raised for an order (issue 7), one row per supplier request.
  await db.schema
    .createTable('document_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('supplier', 'text', (c) => c.notNull())
    .addColumn('supplier_request_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in (${list(DOCUMENT_KINDS)})`))
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('answered_at', 'timestamptz')
    // Arrival order: several requests (and documents) may share a timestamp of the injected clock.
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    // A supplier event delivered twice records one request.
    .addUniqueConstraint('document_requests_once', ['order_id', 'supplier_request_id'])
    .execute();
  await db.schema.createIndex('document_requests_by_order').on('document_requests').columns(['order_id', 'seq']).execute();

  // The documents resellers uploaded in answer: kept in the database with their checksum, forwarded to the supplier by a job.
  await db.schema
    .createTable('order_documents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
    .addColumn('request_id', 'text', (c) => c.notNull().references('document_requests.id'))
    .addColumn('type', 'text', (c) => c.notNull().check(sql`type in (${list(DOCUMENT_KINDS)})`))
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull().check(sql`content_type in (${list(DOCUMENT_CONTENT_TYPES)})`))
    // DESIGN.md: up to 10 MiB a file.
    .addColumn('size', 'integer', (c) => c.notNull().check(sql`size > 0 and size <= ${sql.lit(MAX_DOCUMENT_BYTES)}`))
    .addColumn('sha256', 'text', (c) => c.notNull().check(sql`sha256 ~ '^[0-9a-f]{64}$'`))
    .addColumn('content', 'bytea', (c) => c.notNull())
    .addColumn('uploaded_by_type', 'text', (c) => c.notNull())
    .addColumn('uploaded_by_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('forwarded_at', 'timestamptz')
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .execute();
  await db.schema.createIndex('order_documents_by_order').on('order_documents').columns(['order_id', 'seq']).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are additive; restore from a backup to go back');
}
