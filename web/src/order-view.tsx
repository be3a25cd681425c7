import type { ReactNode } from 'react';
import type { Order, OrderDetails } from './api.js';
import { StatusBadge } from './components.js';
import { useI18n } from './i18n/index.js';
import { Link } from './router.js';

/** The head of an order's page, for resellers and staff alike: the way back to `listHref`, the first name, the status. */
export function OrderHead({ order, listHref }: { order: OrderDetails; listHref: string }) {
  const { t } = useI18n();
  return (
    <div className="page-head page-head--row">
      <div>
        <p className="crumbs">
          <Link href={listHref}>{t('nav.orders')}</Link> / <span className="mono">{order.id}</span>
        </p>
        <h1>{order.domainDetails[0]?.unicode ?? order.domains[0]}</h1>
      </div>
      <StatusBadge status={order.status} />
    </div>
  );
}

/** An order's events, newest first; staff also see who acted (`showActor`). */
export function OrderTimeline({ events, showActor = false }: { events: OrderDetails['events']; showActor?: boolean }) {
  const { t, tr, dateTime } = useI18n();
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">{t('order.timeline')}</h2>
      <ol className="timeline">
        {[...events].reverse().map((e) => (
          <li key={e.id} className={e.toStatus ? `timeline__item timeline__item--${e.toStatus}` : 'timeline__item'}>
            <div className="timeline__what">{tr(`event.${e.type}`, e.type)}</div>
            {e.note && <div className="timeline__note">{e.note}</div>}
            <time dateTime={e.at}>
              {dateTime(e.at)}
              {showActor && ` · ${e.actor.type}`}
            </time>
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * A table of orders, for resellers and staff alike: the first name (a link to `href`, with how many more
 * and the `detail` line under it), the caller's own `column`, then status, price and when it was placed.
 */
export function OrdersTable<T extends Pick<Order, 'id' | 'status' | 'domains' | 'price' | 'createdAt'>>(props: {
  orders: readonly T[];
  href: (order: T) => string;
  name: (order: T) => ReactNode;
  detail: (order: T) => ReactNode;
  column: { label: string; cell: (order: T) => ReactNode };
}) {
  const { t, money, dateTime } = useI18n();
  return (
    <table className="table">
      <thead>
        <tr>
          <th scope="col">{t('orders.domain')}</th>
          <th scope="col">{props.column.label}</th>
          <th scope="col">{t('orders.status')}</th>
          <th scope="col" className="num">
            {t('orders.price')}
          </th>
          <th scope="col">{t('orders.placed')}</th>
        </tr>
      </thead>
      <tbody>
        {props.orders.map((o) => (
          <tr key={o.id}>
            <td>
              <Link className="strong" href={props.href(o)}>
                {props.name(o)}
              </Link>
              {o.domains.length > 1 && <span className="muted"> +{o.domains.length - 1}</span>}
              <div className="muted small mono">{props.detail(o)}</div>
            </td>
            <td>{props.column.cell(o)}</td>
            <td>
              <StatusBadge status={o.status} />
            </td>
            <td className="num">{money(o.price.amount, o.price.currency)}</td>
            <td>{dateTime(o.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
