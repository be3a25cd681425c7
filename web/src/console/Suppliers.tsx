import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api.js';
import { Field, Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';

interface Health {
  readonly name: string;
  readonly state: 'up' | 'down' | 'probing';
  readonly consecutiveFailures: number;
  readonly lastError: string | null;
  readonly lastFailureAt: string | null;
  readonly lastSuccessAt: string | null;
}

interface Incident {
  readonly id: string;
  readonly supplier: string;
  readonly kind: 'outage' | 'compliance';
  readonly orderId: string | null;
  readonly detail: string;
  readonly openedAt: string;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
  readonly resolutionNote: string | null;
}

/** Each supplier's circuit as this server sees it, the job queue that feeds them, and the incidents to work. */
export function Suppliers() {
  const { t, dateTime } = useI18n();
  const [data, setData] = useState<{ data: Health[]; incidents: Incident[]; jobs: Record<string, number> } | null>(null);
  const [closed, setClosed] = useState<Incident[]>([]);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api<{ data: Health[]; incidents: Incident[]; jobs: Record<string, number> }>('GET', '/v1/staff/suppliers').then(setData, (e: unknown) => setError(messageOf(e)));
    api<{ data: Incident[] }>('GET', '/v1/staff/suppliers/incidents?open=false').then((r) => setClosed(r.data.filter((i) => i.resolvedAt !== null).slice(0, 10)), () => undefined);
  }, []);
  useEffect(load, [load]);

  if (data === null) return error === null ? <Spinner label={t('common.loading')} /> : <Notice kind="error">{error}</Notice>;
  return (
    <section>
      <div className="page-head">
        <h1>{t('sup.title')}</h1>
        <p className="lead">{t('sup.lead')}</p>
      </div>
      <div className="health">
        {data.data.map((h) => (
          <div key={h.name} className={`card health__item health__item--${h.state}`}>
            <div className="health__head">
              <h2>{h.name}</h2>
              <span className={`pill pill--health-${h.state}`}>{t(`sup.state.${h.state}`)}</span>
            </div>
            <dl className="facts">
              <div>
                <dt>{t('sup.lastSuccess')}</dt>
                <dd>{h.lastSuccessAt ? dateTime(h.lastSuccessAt) : t('common.none')}</dd>
              </div>
              <div>
                <dt>{t('sup.failures')}</dt>
                <dd>{h.consecutiveFailures}</dd>
              </div>
              {h.lastError && (
                <div>
                  <dt>{t('sup.lastError')}</dt>
                  <dd className="error-text">
                    {h.lastError}
                    {h.lastFailureAt && <div className="muted small">{dateTime(h.lastFailureAt)}</div>}
                  </dd>
                </div>
              )}
            </dl>
          </div>
        ))}
        <div className="card health__item">
          <h2>{t('sup.queue')}</h2>
          <dl className="facts">
            {(['pending', 'running', 'done', 'dead'] as const).map((s) => (
              <div key={s}>
                <dt>{t(`sup.jobs.${s}`)}</dt>
                <dd className={s === 'dead' && (data.jobs[s] ?? 0) > 0 ? 'error-text' : undefined}>{data.jobs[s] ?? 0}</dd>
              </div>
            ))}
          </dl>
        </div>
      </div>
      <div className="card">
        <h2>{t('sup.incidents')}</h2>
        {data.incidents.length === 0 ? (
          <p className="empty">{t('sup.noIncidents')}</p>
        ) : (
          <ul className="holds">
            {data.incidents.map((i) => (
              <li key={i.id}>
                <IncidentItem incident={i} onResolved={load} />
              </li>
            ))}
          </ul>
        )}
        {closed.length > 0 && (
          <>
            <h3>{t('sup.resolved')}</h3>
            <ul className="resolved">
              {closed.map((i) => (
                <li key={i.id}>
                  <strong>{i.supplier}</strong> · {t(`sup.kind.${i.kind}`)} · {i.detail}
                  <div className="muted small">
                    {dateTime(i.openedAt)} → {i.resolvedAt && dateTime(i.resolvedAt)} · {i.resolutionNote}
                  </div>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </section>
  );
}

function IncidentItem({ incident, onResolved }: { incident: Incident; onResolved: () => void }) {
  const { t, dateTime } = useI18n();
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const resolve = async () => {
    setError(null);
    try {
      await api('POST', `/v1/staff/suppliers/incidents/${encodeURIComponent(incident.id)}/resolve`, { body: { note } });
      onResolved();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <article className="incident" aria-labelledby={`inc-${incident.id}`}>
      <div className="hold__head">
        <h3 id={`inc-${incident.id}`}>
          {incident.supplier} · {t(`sup.kind.${incident.kind}`)}
        </h3>
        <span className="muted small">{dateTime(incident.openedAt)}</span>
      </div>
      <p>{incident.detail}</p>
      {incident.orderId && <p className="mono small">{incident.orderId}</p>}
      {error !== null && <Notice kind="error">{error}</Notice>}
      <div className="inline-form">
        <Field label={t('sup.resolutionNote')}>{(a) => <input {...a} type="text" value={note} onChange={(e) => setNote(e.target.value)} />}</Field>
        <button type="button" className="button" onClick={() => void resolve()}>
          {t('sup.resolve')}
        </button>
      </div>
    </article>
  );
}
