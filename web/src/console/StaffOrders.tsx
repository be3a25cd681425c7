import { useEffect, useState } from 'react';
import { api, ApiError, messageOf, type Money, type OrderDetails, type OrderStatus } from '../api.js';
import { Fact, Field, Notice, Spinner, StatusFilter, useDebounced } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { OrderHead, OrdersTable, OrderTimeline } from '../order-view.js';
import { LoadedList, LoadMore, usePages } from '../paging.js';
import { Link } from '../router.js';
import { MailLog } from './MailLog.js';

interface Hit {
  readonly id: string;
  readonly reseller: { id: string; name: string };
  readonly status: OrderStatus;
  readonly product: string;
  readonly domains: string[];
  readonly price: Money;
  readonly createdAt: string;
}

/** Orders of every reseller: search by order id, domain or reseller, narrow by status. */
export function StaffOrders() {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 300);
  const [status, setStatus] = useState('');
  const pages = usePages<Hit>(
    (cursor) => {
      const params = new URLSearchParams();
      if (q !== '') params.set('q', q);
      if (status !== '') params.set('status', status);
      if (cursor !== null) params.set('cursor', cursor);
      return `/v1/staff/orders?${params.toString()}`;
    },
    [q, status],
  );

  return (
    <section>
      <div className="page-head">
        <h1>{t('sorders.title')}</h1>
        <p className="lead">{t('sorders.lead')}</p>
      </div>
      <div className="card">
        <div className="filters filters--wide" role="search">
          <Field label={t('sorders.search')}>
            {(a) => <input {...a} type="search" placeholder={t('sorders.placeholder')} value={text} onChange={(e) => setText(e.target.value)} />}
          </Field>
          <StatusFilter value={status} onChange={setStatus} />
        </div>
        {pages.error !== null && <Notice kind="error">{pages.error}</Notice>}
        <LoadedList list={pages} empty={<p className="empty">{t('orders.empty')}</p>}>
          {(orders) => (
            <OrdersTable
              orders={orders}
              href={(o) => `/console/orders/${o.id}`}
              name={(o) => o.domains[0] ?? o.id}
              detail={(o) => `${o.id} · ${o.product}`}
              column={{ label: t('holds.reseller'), cell: (o) => o.reseller.name }}
            />
          )}
        </LoadedList>
        <LoadMore pages={pages} />
      </div>
    </section>
  );
}

/** One order as staff see it: details, timeline, and the emails sent about it. */
export function StaffOrder({ id }: { id: string }) {
  const { t, money, dateTime } = useI18n();
  const [order, setOrder] = useState<(OrderDetails & { resellerId: string }) | null>(null);
  const [error, setError] = useState<{ missing: boolean; text: string } | null>(null);
  useEffect(() => {
    api<OrderDetails & { resellerId: string }>('GET', `/v1/staff/orders/${encodeURIComponent(id)}`).then(setOrder, (e: unknown) =>
      setError({ missing: e instanceof ApiError && e.status === 404, text: messageOf(e) }),
    );
  }, [id]);
  if (error !== null) {
    return error.missing ? (
      <section className="empty-state">
        <h1>{t('order.notFound')}</h1>
        <Link className="button" href="/console/orders">
          {t('common.back')}
        </Link>
      </section>
    ) : (
      <Notice kind="error">{error.text}</Notice>
    );
  }
  if (order === null) return <Spinner label={t('common.loading')} />;
  return (
    <article>
      <OrderHead order={order} listHref="/console/orders" />
      <div className="order__grid">
        <OrderTimeline events={order.events} showActor />
        <section className="card">
          <h2>{t('order.facts')}</h2>
          <dl className="facts">
            <Fact label={t('holds.reseller')} className="mono small">
              {order.resellerId}
            </Fact>
            <Fact label={t('order.product')}>
              {order.product} · {t('form.termMonths', { n: order.termMonths })}
            </Fact>
            <Fact label={t('form.domains')}>{order.domainDetails.map((d) => d.unicode).join(', ')}</Fact>
            <Fact label={t('order.price')}>{money(order.price.amount, order.price.currency)}</Fact>
            <Fact label={t('order.approver')}>{order.approverEmail}</Fact>
            <Fact label={t('order.contact')}>
              {order.adminContact.firstName} {order.adminContact.lastName} · {order.adminContact.email}
            </Fact>
            <Fact label={t('order.placed')}>{dateTime(order.createdAt)}</Fact>
          </dl>
        </section>
      </div>
      <h2>{t('mail.title')}</h2>
      <MailLog orderId={order.id} />
    </article>
  );
}
