import type { Subscription } from '../../api.js';
import { useI18n, type I18n } from '../../i18n/index.js';

/** The subscription behind an order: its term as a bar with today on it, the certificates issued in it, and what comes next. */
export function SubscriptionCard({ subscription }: { subscription: Subscription }) {
  const i18n = useI18n();
  const { t, date, tr } = i18n;
  const { startsAt, endsAt } = subscription;
  const start = startsAt === null ? null : new Date(startsAt).getTime();
  const end = endsAt === null ? null : new Date(endsAt).getTime();
  const elapsed = start !== null && end !== null && end > start ? Math.min(1, Math.max(0, (Date.now() - start) / (end - start))) : 0;
  const next = nextText(subscription, i18n);
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
      {next !== '' && (
        <p className="next-step">
          <span className="next-step__label">{t('sub.next')}</span> {next}
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
        <ul className="pending" aria-label={t('sub.pending')}>
          {subscription.pending.map((p) => (
            <li key={p.requestId}>
              <strong>{tr(`sub.kind.${p.kind}`, p.kind)}</strong> · {tr(`sub.request.${p.status}`, p.status)} · <span className="muted">{date(p.createdAt)}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The next step in the reader's language; the API's own English sentence for a step this page does not know. */
function nextText({ next, certificates }: Subscription, { t, date }: I18n): string {
  const on = next.at === null ? '' : date(next.at);
  switch (next.action) {
    case 'none':
      return t(endedByRevocation(certificates) ? 'sub.next.revoked' : 'sub.next.notStarted');
    case 'renewal':
      return t('sub.next.renewal', { date: on });
    case 'renewal_awaiting_csr':
      return t('sub.next.awaitingCsr');
    case 'renewal_in_progress':
      return t('sub.next.inProgress');
    case 'term_ends':
      return t('sub.next.termEnds', { date: on });
    case 'ended':
      return t('sub.next.ended', { date: on });
    default:
      return next.note;
  }
}

/** The API's rule: the latest certificate revoked for any reason but `superseded` ends the term; nothing follows it. */
export function endedByRevocation(certificates: Subscription['certificates']): boolean {
  const latest = certificates[certificates.length - 1];
  return latest !== undefined && latest.revocationReason !== null && latest.revocationReason !== 'superseded';
}
