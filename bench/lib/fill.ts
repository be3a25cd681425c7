import { createHash } from 'node:crypto';
import pg from 'pg';
import { buildCsr, ecKey } from '../../test/support/csr-factory.js';

/**
 * Orders written straight into the table with `generate_series`, far faster than placing them: each
 * with its domain and its administrative contact, statuses, products and currency the check
 * constraints accept, distinct idempotency keys, one second apart (newest last). They belong to
 * `resellerId`, the worst case for that reseller's listing. Nothing else refers to them (no ledger
 * entries, no events): the listing reads none of that.
 */
export class OrderFiller {
  readonly #url: string;
  readonly #resellerId: string;
  readonly #currency: string;
  readonly #pem: string;
  #count = 0;

  constructor(url: string, resellerId: string, currency = 'EUR') {
    this.#url = url;
    this.#resellerId = resellerId;
    this.#currency = currency;
    this.#pem = buildCsr({ privateKey: ecKey('P-256'), commonName: 'fill.example.com', sans: ['fill.example.com'] }).pem;
  }

  /** Orders written so far. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds orders until there are `total`, in chunks, reporting progress; then leaves the table as a
   * table of that size is in service: vacuumed (visibility map for index-only scans), analysed, and
   * checkpointed, so that the next measurement does not pay for writing out the fill.
   */
  async fillTo(total: number, onProgress?: (done: number) => void): Promise<void> {
    const client = new pg.Client({ connectionString: this.#url });
    await client.connect();
    try {
      await client.query('set synchronous_commit = off');
      const sha = createHash('sha256').update(this.#pem).digest('hex');
      const chunk = 50_000;
      while (this.#count < total) {
        const from = this.#count + 1;
        const to = Math.min(total, this.#count + chunk);
        await client.query('begin');
        await client.query(
          `insert into orders (id, reseller_id, status, product, term_months, csr_pem, csr_sha256, approver_email, language, price_amount, currency,
                               idempotency_key, request_hash, created_at, updated_at, released_at)
           select 'ord_fill' || lpad(g::text, 10, '0'), $1, case when g % 10 = 0 then 'received' else 'issued' end, 'dv-single', 12, $2, $3,
                  'admin@fill-' || g || '.example.com', 'en', 900, $4, 'fill-' || g, md5(g::text),
                  t, t, case when g % 10 = 0 then null else t end
           from generate_series($5::int, $6::int) g, lateral (select timestamptz '2026-01-01' + g * interval '1 second' as t) at`,
          [this.#resellerId, this.#pem, sha, this.#currency, from, to],
        );
        await client.query(
          `insert into order_domains (order_id, position, name, unicode, dcv_method, dcv_email)
           select 'ord_fill' || lpad(g::text, 10, '0'), 0, 'fill-' || g || '.example.com', 'fill-' || g || '.example.com', 'email', 'admin@fill-' || g || '.example.com'
           from generate_series($1::int, $2::int) g`,
          [from, to],
        );
        await client.query(
          `insert into order_contacts (order_id, role, first_name, last_name, email, phone, country)
           select 'ord_fill' || lpad(g::text, 10, '0'), 'admin', 'Ada', 'Lovelace', 'ada@example.com', '+49 30 1234567', 'DE'
           from generate_series($1::int, $2::int) g`,
          [from, to],
        );
        await client.query('commit');
        this.#count = to;
        onProgress?.(to);
      }
      await client.query('vacuum analyze orders, order_domains, order_contacts');
      await client.query('checkpoint');
    } finally {
      await client.end();
    }
  }
}
