import { useEffect, useState } from 'react';
import { api, messageOf, ORDER_STATUSES, type OrderStatus } from '../api.js';
import { Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { GroupedBars, StackedColumns, type Series } from './charts.js';

interface DashboardData {
  readonly ordersByStatus: Record<OrderStatus, number>;
  readonly holdsWaiting: number;
  readonly oldestHoldSince: string | null;
  readonly refundsWaiting: number;
  readonly oldestRefundSince: string | null;
}

interface DashboardSeries {
  readonly ordersPerDay: { day: string; status: OrderStatus; count: number }[];
  readonly issuanceSeconds: number[];
  readonly holdsSince: string[];
  readonly refundsSince: string[];
}

const DAYS = 14;
const DAY_MS = 86_400_000;

/** The colours of the statuses, as the badges use them. */
const STATUS_COLORS: Record<OrderStatus, string> = {
  received: '#60a5fa',
  released: '#2563eb',
  awaiting_validation: '#9333ea',
  issued: '#12805c',
  on_hold: '#d97706',
  rejected: '#c0262d',
  cancelled: '#94a3b8',
  cancelled_by_supplier: '#f87171',
};

/** Upper bounds (seconds) of the issuance-time buckets; the last one is open. */
const ISSUANCE_BUCKETS = [60, 600, 3600, 6 * 3600, 86_400, 3 * 86_400, 7 * 86_400, Infinity] as const;
/** Upper bounds (hours) of the waiting-age buckets. */
const AGE_BUCKETS = [1, 4, 24, 72, Infinity] as const;

/** Staff overview: totals, the queues waiting for staff, and charts of the last two weeks. */
export function Dashboard() {
  const { t, dateTime } = useI18n();
  const [data, setData] = useState<DashboardData | null>(null);
  const [series, setSeries] = useState<DashboardSeries | null>(null);
  const [error, setError] = useState<string | null>(null);
  const from = startOfUtcDay(Date.now() - (DAYS - 1) * DAY_MS);

  useEffect(() => {
    api<DashboardData>('GET', '/v1/staff/dashboard').then(setData, (e: unknown) => setError(messageOf(e)));
    api<DashboardSeries>('GET', `/v1/staff/dashboard/series?from=${encodeURIComponent(new Date(from).toISOString())}`).then(setSeries, (e: unknown) => setError(messageOf(e)));
  }, [from]);

  if (data === null) return error === null ? <Spinner label={t('common.loading')} /> : <Notice kind="error">{error}</Notice>;
  const total = ORDER_STATUSES.reduce((sum, s) => sum + data.ordersByStatus[s], 0);
  return (
    <section>
      <div className="page-head">
        <h1>{t('dash.title')}</h1>
      </div>
      {error !== null && <Notice kind="error">{error}</Notice>}
      <div className="stats stats--4">
        <div className="stat stat--primary">
          <span>{t('dash.total')}</span>
          <strong>{total}</strong>
          <small>{t('dash.issuedOf', { n: data.ordersByStatus.issued })}</small>
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
        <div className="stat">
          <span>{t('dash.medianIssuance')}</span>
          <strong>{series === null || series.issuanceSeconds.length === 0 ? t('common.none') : duration(median(series.issuanceSeconds), t)}</strong>
          <small>{series === null ? '' : t('dash.issuedInWindow', { n: series.issuanceSeconds.length, days: DAYS })}</small>
        </div>
      </div>
      {series !== null && <Charts series={series} from={from} />}
      <div className="card">
        <h2>{t('dash.orders')}</h2>
        <StatusTotals counts={data.ordersByStatus} />
      </div>
    </section>
  );
}

function Charts({ series, from }: { series: DashboardSeries; from: number }) {
  const { t, language } = useI18n();
  const days = Array.from({ length: DAYS }, (_, i) => new Date(from + i * DAY_MS).toISOString().slice(0, 10));
  const dayLabel = new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
  const labels = new Map(days.map((d) => [dayLabel.format(new Date(`${d}T00:00:00Z`)), d]));
  const perDay = new Map(series.ordersPerDay.map((r) => [`${r.day}|${r.status}`, r.count]));
  const statusSeries: Series[] = ORDER_STATUSES.map((s) => ({ key: s, label: t(`status.${s}`), color: STATUS_COLORS[s] }));
  const placed = series.ordersPerDay.reduce((sum, r) => sum + r.count, 0);

  const issuanceLabels = ISSUANCE_BUCKETS.map((_, i) => t(`dash.bucket.issuance.${i}` as 'dash.bucket.issuance.0'));
  const issuance = ISSUANCE_BUCKETS.map((upper, i) => series.issuanceSeconds.filter((s) => s < upper && (i === 0 || s >= (ISSUANCE_BUCKETS[i - 1] ?? 0))).length);

  const now = Date.now();
  const ageLabels = AGE_BUCKETS.map((_, i) => t(`dash.bucket.age.${i}` as 'dash.bucket.age.0'));
  const ages = (since: string[]) => AGE_BUCKETS.map((upper, i) => since.map((s) => (now - new Date(s).getTime()) / 3_600_000).filter((h) => h < upper && (i === 0 || h >= (AGE_BUCKETS[i - 1] ?? 0))).length);
  const holdAges = ages(series.holdsSince);
  const refundAges = ages(series.refundsSince);

  return (
    <div className="charts">
      <section className="card chart-card chart-card--wide" aria-labelledby="chart-orders">
        <div className="card__head">
          <h2 id="chart-orders">{t('dash.chart.perDay')}</h2>
          <span className="muted small">{t('dash.chart.perDayNote', { n: placed, days: DAYS })}</span>
        </div>
        <StackedColumns
          categories={[...labels.keys()]}
          series={statusSeries}
          value={(label, status) => perDay.get(`${labels.get(label)}|${status}`) ?? 0}
          label={t('dash.chart.perDayLabel', { n: placed, days: DAYS })}
        />
      </section>
      <section className="card chart-card" aria-labelledby="chart-issuance">
        <h2 id="chart-issuance">{t('dash.chart.issuance')}</h2>
        {series.issuanceSeconds.length === 0 ? (
          <p className="empty">{t('dash.chart.noIssuance')}</p>
        ) : (
          <GroupedBars
            categories={issuanceLabels}
            series={[{ key: 'n', label: t('dash.chart.orders'), color: '#12805c' }]}
            value={(label) => issuance[issuanceLabels.indexOf(label)] ?? 0}
            label={t('dash.chart.issuanceLabel', { median: duration(median(series.issuanceSeconds), t) })}
          />
        )}
      </section>
      <section className="card chart-card" aria-labelledby="chart-waiting">
        <h2 id="chart-waiting">{t('dash.chart.waiting')}</h2>
        {series.holdsSince.length + series.refundsSince.length === 0 ? (
          <p className="empty">{t('dash.chart.nothingWaiting')}</p>
        ) : (
          <GroupedBars
            categories={ageLabels}
            series={[
              { key: 'holds', label: t('dash.holds'), color: '#d97706' },
              { key: 'refunds', label: t('dash.refunds'), color: '#2563eb' },
            ]}
            value={(label, key) => (key === 'holds' ? holdAges : refundAges)[ageLabels.indexOf(label)] ?? 0}
            label={t('dash.chart.waitingLabel', { holds: series.holdsSince.length, refunds: series.refundsSince.length })}
          />
        )}
      </section>
    </div>
  );
}

function StatusTotals({ counts }: { counts: Record<OrderStatus, number> }) {
  const { t } = useI18n();
  const widest = Math.max(1, ...ORDER_STATUSES.map((s) => counts[s]));
  return (
    <ul className="bars">
      {ORDER_STATUSES.map((s) => (
        <li key={s}>
          <span className="bars__label">{t(`status.${s}`)}</span>
          <span className="bars__track" aria-hidden="true">
            <span className="bars__bar" style={{ width: `${(100 * counts[s]) / widest}%`, background: STATUS_COLORS[s] }} />
          </span>
          <span className="bars__value">{counts[s]}</span>
        </li>
      ))}
    </ul>
  );
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function duration(seconds: number, t: ReturnType<typeof useI18n>['t']): string {
  if (seconds < 90) return t('dash.seconds', { n: Math.round(seconds) });
  if (seconds < 5400) return t('dash.minutes', { n: Math.round(seconds / 60) });
  if (seconds < 172_800) return t('dash.hours', { n: Math.round(seconds / 3600) });
  return t('dash.days', { n: Math.round(seconds / 86_400) });
}
