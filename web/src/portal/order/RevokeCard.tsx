import { useState } from 'react';
import { api, ApiError, messageOf, type OrderDetails } from '../../api.js';
import { BackButton, Field, Notice } from '../../components.js';
import { useI18n } from '../../i18n/index.js';

/** RFC 5280 reasons a subscriber may give. */
const REASONS = ['unspecified', 'keyCompromise', 'affiliationChanged', 'superseded', 'cessationOfOperation'] as const;
type Reason = (typeof REASONS)[number];

/** Revocation of the issued certificate, behind a confirmation that names what happens. */
export function RevokeCard({ order, onRevoked }: { order: OrderDetails; onRevoked: () => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState<Reason>('unspecified');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error' | 'warning'; text: string } | null>(null);

  const revoke = async () => {
    setBusy(true);
    setMessage(null);
    try {
      const result = await api<{ revocations: unknown[] }>('POST', `/v1/orders/${encodeURIComponent(order.id)}/revoke`, { body: { reason } });
      setMessage({ kind: 'success', text: t('revoke.done', { n: result.revocations.length }) });
      onRevoked();
    } catch (e) {
      // 404: this API does not revoke (yet) or the order is gone; 409: the order's state does not allow it. The API says which.
      if (e instanceof ApiError && e.status === 404 && e.code !== 'order.not_found') setMessage({ kind: 'warning', text: t('revoke.unavailable') });
      else setMessage({ kind: e instanceof ApiError && e.status === 409 ? 'warning' : 'error', text: messageOf(e) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  // Without a subscription view (an older API) the API alone says whether anything is left to revoke.
  const revocable = order.subscription ? order.subscription.certificates.some((c) => c.status === 'current' || c.status === 'superseded') : true;
  if (!revocable) {
    return (
      <section className="card" aria-labelledby="revoke-title">
        <h2 id="revoke-title">{t('revoke.title')}</h2>
        {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
        <p className="muted small">{t('revoke.nothingLeft')}</p>
      </section>
    );
  }

  return (
    <section className="card" aria-labelledby="revoke-title">
      <h2 id="revoke-title">{t('revoke.title')}</h2>
      <p className="muted small">{t('revoke.lead')}</p>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      <Field label={t('revoke.reason')}>
        {(a) => (
          <select {...a} value={reason} onChange={(e) => setReason(e.target.value as Reason)}>
            {REASONS.map((r) => (
              <option key={r} value={r}>
                {t(`revoke.reason.${r}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {!confirming ? (
        <button type="button" className="button button--danger" disabled={busy} onClick={() => setConfirming(true)}>
          {t('revoke.start')}
        </button>
      ) : (
        <div className="confirm" role="group" aria-label={t('revoke.title')}>
          <p>{t('revoke.confirm', { domain: order.domainDetails[0]?.unicode ?? order.domains[0] ?? order.id })}</p>
          <div className="actions">
            <button type="button" className="button button--danger" disabled={busy} onClick={() => void revoke()}>
              {t('revoke.submit')}
            </button>
            <BackButton onClick={() => setConfirming(false)} />
          </div>
        </div>
      )}
    </section>
  );
}
