import { useEffect, useState } from 'react';
import { api, ORDER_STATUSES, type OrderStatus } from '../api.js';
import { Spinner, StatusBadge } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';

interface DashboardData {
  readonly ordersByStatus: Record<OrderStatus, number>;
  readonly holdsWaiting: number;
  readonly oldestHoldSince: string | null;
  readonly refundsWaiting: number;
  readonly oldestRefundSince: string | null;
}

/** Staff overview: orders by status and the queues waiting for staff. */
export function Dashboard() {
  const { t, dateTime } = useI18n();
  const [data, setData] = useState<DashboardData | null>(null);

  useEffect(() => {
    void api<DashboardData>('GET', '/v1/staff/dashboard').then(setData);
  }, []);

  if (data === null) return <Spinner label={t('common.loading')} />;
  const total = ORDER_STATUSES.reduce((sum, s) => sum + data.ordersByStatus[s], 0);
  const widest = Math.max(1, ...ORDER_STATUSES.map((s) => data.ordersByStatus[s]));
  return (
    <section>
      <div className="page-head">
        <h1>{t('dash.title')}</h1>
      </div>
      <div className="stats">
        <div className="stat stat--primary">
          <span>{t('dash.total')}</span>
          <strong>{total}</strong>
        </div>
        <Link className={`stat stat--link${data.holdsWaiting > 0 ? ' stat--attention' : ''}`} href="/console/holds">
          <span>{t('dash.holds')}</span>
          <strong data-testid="holds-waiting">{data.holdsWaiting}</strong>
          <small>{data.oldestHoldSince ? t('dash.oldest', { date: dateTime(data.oldestHoldSince) }) : t('dash.nothingWaiting')}</small>
        </Link>
        <Link className={`stat stat--link${data.refundsWaiting > 0 ? ' stat--attention' : ''}`} href="/console/refunds">
          <span>{t('dash.refunds')}</span>
          <strong>{data.refundsWaiting}</strong>
          <small>{data.oldestRefundSince ? t('dash.oldest', { date: dateTime(data.oldestRefundSince) }) : t('dash.nothingWaiting')}</small>
        </Link>
      </div>
      <div className="card">
        <h2>{t('dash.orders')}</h2>
        <ul className="bars">
          {ORDER_STATUSES.map((s) => (
            <li key={s}>
              <span className="bars__label">
                <StatusBadge status={s} />
              </span>
              <span className="bars__track" aria-hidden="true">
                <span className={`bars__bar bars__bar--${s}`} style={{ width: `${(100 * data.ordersByStatus[s]) / widest}%` }} />
              </span>
              <span className="bars__value">{data.ordersByStatus[s]}</span>
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
