import { useEffect, useState } from 'react';
import { api, type Order } from '../api.js';
import { Field, Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';

interface Hold {
  readonly order: Order;
  readonly score: number;
  readonly rules: { rule: string; score: number; reason: string }[];
  readonly heldAt: string;
  readonly reseller: { id: string; name: string } | null;
}

/** The fraud screen's hold queue: release or reject each order, with a note for the record. */
export function Holds() {
  const { t, money, dateTime } = useI18n();
  const [holds, setHolds] = useState<Hold[] | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const load = () => api<{ data: Hold[] }>('GET', '/v1/staff/holds').then((r) => setHolds(r.data));
  useEffect(() => {
    void load();
  }, []);

  return (
    <section>
      <div className="page-head">
        <h1>{t('holds.title')}</h1>
        <p className="lead">{t('holds.lead')}</p>
      </div>
      {done !== null && <Notice kind="success">{done}</Notice>}
      {holds === null ? (
        <Spinner label={t('common.loading')} />
      ) : holds.length === 0 ? (
        <div className="card">
          <p className="empty">{t('holds.empty')}</p>
        </div>
      ) : (
        <ul className="holds">
          {holds.map((h) => (
            <li key={h.order.id}>
              <HoldCard
                hold={h}
                money={money}
                dateTime={dateTime}
                onDecided={(action) => {
                  setDone(t(action === 'release' ? 'holds.done.released' : 'holds.done.rejected', { id: h.order.id }));
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

function HoldCard(props: { hold: Hold; money: (a: number, c: string) => string; dateTime: (iso: string) => string; onDecided: (action: 'release' | 'reject') => void }) {
  const { t } = useI18n();
  const { hold } = props;
  const [note, setNote] = useState('');
  const [error, setError] = useState<{ message: string; fields: { path: string; code: string; message: string }[] } | null>(null);
  const [busy, setBusy] = useState(false);

  const decide = async (action: 'release' | 'reject') => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/v1/staff/holds/${encodeURIComponent(hold.order.id)}/${action}`, { body: { note } });
      props.onDecided(action);
    } catch (e) {
      const fields = (e as { fields?: { path: string; code: string; message: string }[] }).fields ?? [];
      setError({ message: e instanceof Error ? e.message : String(e), fields });
    } finally {
      setBusy(false);
    }
  };

  const domain = hold.order.domainDetails[0]?.unicode ?? hold.order.domains[0] ?? '';
  return (
    <article className="card hold" aria-labelledby={`hold-${hold.order.id}`}>
      <header className="hold__head">
        <div>
          <h2 id={`hold-${hold.order.id}`}>{domain}</h2>
          <p className="muted small mono">
            {hold.order.id} · {hold.order.product} · {props.money(hold.order.price.amount, hold.order.price.currency)}
          </p>
        </div>
        <span className="score">{t('holds.score', { score: hold.score })}</span>
      </header>
      <dl className="facts facts--inline">
        <div>
          <dt>{t('holds.reseller')}</dt>
          <dd>{hold.reseller?.name ?? t('common.none')}</dd>
        </div>
        <div>
          <dt>{t('holds.waiting')}</dt>
          <dd>{props.dateTime(hold.heldAt)}</dd>
        </div>
      </dl>
      <h3>{t('holds.rules')}</h3>
      <ul className="rules">
        {hold.rules.map((r) => (
          <li key={r.rule}>
            <span className="rules__score">+{r.score}</span> {r.reason}
          </li>
        ))}
      </ul>
      {error !== null && error.fields.length === 0 && <Notice kind="error">{error.message}</Notice>}
      <Field label={t('holds.note')} hint={t('holds.noteHint')} errors={error?.fields.filter((f) => f.path === 'note')}>
        {(a) => <textarea {...a} rows={2} value={note} onChange={(e) => setNote(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void decide('release')}>
          {t('holds.release')}
        </button>
        <button type="button" className="button button--danger" disabled={busy} onClick={() => void decide('reject')}>
          {t('holds.reject')}
        </button>
      </div>
    </article>
  );
}
