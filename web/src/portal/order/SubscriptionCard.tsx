import type { Subscription } from '../../api.js';
import { useI18n } from '../../i18n/index.js';

/** The subscription behind an order: its term as a bar with today on it, the certificates issued in it, and what comes next. */
export function SubscriptionCard({ subscription }: { subscription: Subscription }) {
  const { t, date, tr } = useI18n();
  const { startsAt, endsAt } = subscription;
  const start = startsAt === null ? null : new Date(startsAt).getTime();
  const end = endsAt === null ? null : new Date(endsAt).getTime();
  const elapsed = start !== null && end !== null && end > start ? Math.min(1, Math.max(0, (Date.now() - start) / (end - start))) : 0;
  return (
    <section className="card" aria-labelledby="subscription-title">
      <h2 id="subscription-title">{t('sub.title')}</h2>
      <div className="term">
        <div className="term__ends">
          <span>{startsAt === null ? t('sub.notStarted') : date(startsAt)}</span>
          <strong>{t('form.termMonths', { n: subscription.termMonths })}</strong>
          <span>{endsAt === null ? t('common.none') : date(endsAt)}</span>
        </div>
        <div className="term__track" role="meter" aria-label={t('sub.elapsed')} aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(elapsed * 100)}>
          <span className="term__fill" style={{ width: `${elapsed * 100}%` }} />
        </div>
      </div>
      {subscription.next.note !== '' && (
        <p className="next-step">
          <span className="next-step__label">{t('sub.next')}</span> {subscription.next.note}
        </p>
      )}
      {subscription.certificates.length > 0 && (
        <table className="table table--compact">
          <caption className="sr-only">{t('sub.certificates')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('sub.serial')}</th>
              <th scope="col">{t('sub.kind')}</th>
              <th scope="col">{t('sub.valid')}</th>
              <th scope="col">{t('sub.status')}</th>
            </tr>
          </thead>
          <tbody>
            {subscription.certificates.map((c) => (
              <tr key={c.id}>
                <td className="mono small" title={c.serialNumber}>
                  {c.serialNumber.length > 16 ? `${c.serialNumber.slice(0, 16)}…` : c.serialNumber}
                </td>
                <td>{tr(`sub.kind.${c.kind}`, c.kind)}</td>
                <td className="small">
                  {date(c.notBefore)} – {date(c.notAfter)}
                </td>
                <td>
                  <span className={`pill pill--${c.status}`}>{tr(`sub.status.${c.status}`, c.status)}</span>
                  {c.revokedAt !== null && (
                    <div className="muted small">
                      {date(c.revokedAt)}
                      {c.revocationReason !== null && ` · ${tr(`revoke.reason.${c.revocationReason}`, c.revocationReason)}`}
                    </div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {subscription.pending.length > 0 && (
        <ul className="pending">
          {subscription.pending.map((p) => (
            <li key={p.requestId}>
              {tr(`sub.kind.${p.kind}`, p.kind)} · {p.status} · <span className="muted">{date(p.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
