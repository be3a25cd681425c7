import { useEffect, useState } from 'react';
import { api, ORDER_STATUSES, type Order, type Page } from '../api.js';
import { Field, Notice, Spinner, StatusBadge } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { productName, useProducts } from '../products.js';
import { Link } from '../router.js';

/** The reseller's orders: newest first, filtered by status, searched by domain, paged by cursor. */
export function OrdersList() {
  const { t, money, dateTime } = useI18n();
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [domain, setDomain] = useState('');
  const [orders, setOrders] = useState<Order[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const products = useProducts();

  useEffect(() => {
    const timer = setTimeout(() => setDomain(search.trim()), 300);
    return () => clearTimeout(timer);
  }, [search]);

  const query = (cursor: string | null) => {
    const params = new URLSearchParams();
    if (status !== '') params.set('status', status);
    if (domain !== '') params.set('domain', domain);
    if (cursor !== null) params.set('cursor', cursor);
    return `/v1/orders?${params.toString()}`;
  };

  useEffect(() => {
    const abort = new AbortController();
    setOrders(null);
    api<Page<Order>>('GET', query(null), { signal: abort.signal }).then(
      (page) => {
        setOrders(page.data);
        setNext(page.nextCursor);
        setError(null);
      },
      (e: unknown) => !abort.signal.aborted && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => abort.abort();
  }, [status, domain]);

  const more = async () => {
    const page = await api<Page<Order>>('GET', query(next));
    setOrders((o) => [...(o ?? []), ...page.data]);
    setNext(page.nextCursor);
  };

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
          <Field label={t('orders.filterStatus')}>
            {(a) => (
              <select {...a} value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">{t('orders.allStatuses')}</option>
                {ORDER_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {t(`status.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('orders.search')}>
            {(a) => <input {...a} type="search" placeholder={t('orders.searchPlaceholder')} value={search} onChange={(e) => setSearch(e.target.value)} />}
          </Field>
        </div>
        {error !== null && <Notice kind="error">{t('common.error', { message: error })}</Notice>}
        {orders === null ? (
          error === null && <Spinner label={t('common.loading')} />
        ) : orders.length === 0 ? (
          <p className="empty">{t('orders.empty')}</p>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('orders.domain')}</th>
                <th scope="col">{t('orders.product')}</th>
                <th scope="col">{t('orders.status')}</th>
                <th scope="col" className="num">
                  {t('orders.price')}
                </th>
                <th scope="col">{t('orders.placed')}</th>
              </tr>
            </thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <td>
                    <Link href={`/orders/${o.id}`} className="strong">
                      {o.domainDetails[0]?.unicode ?? o.domains[0]}
                    </Link>
                    {o.domains.length > 1 && <span className="muted"> +{o.domains.length - 1}</span>}
                    <div className="muted small mono">{o.id}</div>
                  </td>
                  <td>{productName(products, o.product)}</td>
                  <td>
                    <StatusBadge status={o.status} />
                  </td>
                  <td className="num">{money(o.price.amount, o.price.currency)}</td>
                  <td>{dateTime(o.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {next !== null && (
          <div className="more">
            <button type="button" className="button" onClick={() => void more()}>
              {t('common.loadMore')}
            </button>
          </div>
        )}
      </div>
    </section>
  );
}
