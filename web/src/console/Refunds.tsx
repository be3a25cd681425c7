import { useEffect, useState } from 'react';
import { api, type FieldError, type Money } from '../api.js';
import { Field, Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';

interface Refund {
  readonly id: string;
  readonly orderId: string;
  readonly resellerId: string;
  readonly amount: Money;
  readonly reason: string;
  readonly createdAt: string;
}

/** The refund queue: orders the CA cancelled, whose refunds wait for a staff decision, oldest first. */
export function Refunds() {
  const { t } = useI18n();
  const [refunds, setRefunds] = useState<Refund[] | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = () => api<{ data: Refund[] }>('GET', '/v1/staff/refunds').then((r) => setRefunds(r.data));
  useEffect(() => {
    void load();
  }, []);

  return (
    <section>
      <div className="page-head">
        <h1>{t('refunds.title')}</h1>
        <p className="lead">{t('refunds.lead')}</p>
      </div>
      {done !== null && <Notice kind="success">{done}</Notice>}
      {refunds === null ? (
        <Spinner label={t('common.loading')} />
      ) : refunds.length === 0 ? (
        <div className="card">
          <p className="empty">{t('refunds.empty')}</p>
        </div>
      ) : (
        <ul className="holds">
          {refunds.map((r) => (
            <li key={r.id}>
              <RefundCard
                refund={r}
                onDecided={(text) => {
                  setDone(text);
                  void load();
                }}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function RefundCard({ refund, onDecided }: { refund: Refund; onDecided: (text: string) => void }) {
  const { t, money, dateTime } = useI18n();
  const [note, setNote] = useState('');
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const decide = async (action: 'approve' | 'decline') => {
    setBusy(true);
    setError(null);
    setFields([]);
    try {
      await api('POST', `/v1/staff/refunds/${encodeURIComponent(refund.id)}/${action}`, { body: note.trim() === '' ? {} : { note } });
      onDecided(t(action === 'approve' ? 'refunds.done.approved' : 'refunds.done.declined', { id: refund.orderId }));
    } catch (e) {
      const f = (e as { fields?: FieldError[] }).fields ?? [];
      if (f.length > 0) setFields(f);
      else setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <article className="card hold" aria-labelledby={`refund-${refund.id}`}>
      <header className="hold__head">
        <div>
          <h2 id={`refund-${refund.id}`} className="mono">
            {refund.orderId}
          </h2>
          <p className="muted small mono">{refund.resellerId}</p>
        </div>
        <span className="score">{money(refund.amount.amount, refund.amount.currency)}</span>
      </header>
      <dl className="facts facts--inline">
        <div>
          <dt>{t('refunds.reason')}</dt>
          <dd>{refund.reason}</dd>
        </div>
        <div>
          <dt>{t('holds.waiting')}</dt>
          <dd>{dateTime(refund.createdAt)}</dd>
        </div>
      </dl>
      {error !== null && <Notice kind="error">{error}</Notice>}
      <Field label={t('holds.note')} hint={t('refunds.noteHint')} errors={fields.filter((f) => f.path === 'note')}>
        {(a) => <textarea {...a} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void decide('approve')}>
          {t('refunds.approve')}
        </button>
        <button type="button" className="button button--danger" disabled={busy} onClick={() => void decide('decline')}>
          {t('refunds.decline')}
        </button>
      </div>
    </article>
  );
}
