import { useState } from 'react';
import type { Order } from '../api.js';
import { Field, Notice, StatusFilter, useDebounced } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { productName, useProducts } from '../products.js';
import { LoadedList, LoadMore, usePages } from '../paging.js';
import { OrdersTable } from '../order-view.js';
import { Link } from '../router.js';

/** The reseller's orders: newest first, filtered by status, searched by domain, paged by cursor. */
export function OrdersList() {
  const { t } = useI18n();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const domain = useDebounced(search.trim(), 300);
  const products = useProducts();

  const pages = usePages<Order>((cursor) => {
    const params = new URLSearchParams();
    if (status !== '') params.set('status', status);
    if (domain !== '') params.set('domain', domain);
    if (cursor !== null) params.set('cursor', cursor);
    return `/v1/orders?${params.toString()}`;
  }, [status, domain]);

  return (
    <section>
      <div className="page-head page-head--row">
        <h1>{t('orders.title')}</h1>
        <Link className="button button--primary" href="/">
          {t('nav.newOrder')}
        </Link>
      </div>
      <div className="card">
        <div className="filters">
          <StatusFilter value={status} onChange={setStatus} />
          <Field label={t('orders.search')}>
            {(a) => <input {...a} type="search" placeholder={t('orders.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />}
          </Field>
        </div>
        {pages.error !== null && <Notice kind="error">{t('common.error', { message: pages.error })}</Notice>}
        <LoadedList list={pages} empty={<p className="empty">{t('orders.empty')}</p>}>
          {(orders) => (
            <OrdersTable
              orders={orders}
              href={(o) => `/orders/${o.id}`}
              name={(o) => o.domainDetails[0]?.unicode ?? o.domains[0]}
              detail={(o) => o.id}
              column={{ label: t('orders.product'), cell: (o) => productName(products, o.product) }}
            />
          )}
        </LoadedList>
        <LoadMore pages={pages} />
      </div>
    </section>
  );
}
