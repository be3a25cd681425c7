import { useState } from 'react';
import { api, messageOf } from '../api.js';
import { Notice } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { LoadedList, LoadMore, usePages } from '../paging.js';

interface JobRow {
  readonly id: number;
  readonly name: string;
  readonly payload: Record<string, unknown>;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
}

/** Jobs that ran out of attempts, with their last error; a retry gives one another round. */
export function DeadLetters() {
  const { t, dateTime } = useI18n();
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const pages = usePages<JobRow>((cursor) => `/v1/staff/jobs?status=dead${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, []);

  const retry = async (job: JobRow) => {
    setMessage(null);
    try {
      await api('POST', `/v1/staff/jobs/${job.id}/retry`, { body: {} });
      setMessage({ kind: 'success', text: t('jobs.retried', { id: job.id, name: job.name }) });
      pages.reload();
    } catch (e) {
      setMessage({ kind: 'error', text: messageOf(e) });
    }
  };

  return (
    <section>
      <div className="page-head">
        <h1>{t('jobs.title')}</h1>
        <p className="lead">{t('jobs.lead')}</p>
      </div>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      {pages.error !== null && <Notice kind="error">{pages.error}</Notice>}
      <div className="card">
        <LoadedList list={pages} empty={<p className="empty">{t('jobs.empty')}</p>}>
          {(jobs) => (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('jobs.job')}</th>
                  <th scope="col">{t('jobs.error')}</th>
                  <th scope="col">{t('jobs.failedAt')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('jobs.retry')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((j) => (
                  <tr key={j.id}>
                    <td>
                      <strong className="mono">{j.name}</strong>
                      <div className="muted small">
                        #{j.id} · {t('jobs.attempts', { n: j.attempts, max: j.maxAttempts })}
                      </div>
                      {Object.keys(j.payload).length > 0 && (
                        <dl className="payload">
                          {Object.entries(j.payload).map(([key, value]) => (
                            <div key={key}>
                              <dt>{key}</dt>
                              <dd title={shown(value)}>{shown(value)}</dd>
                            </div>
                          ))}
                        </dl>
                      )}
                    </td>
                    <td className="error-text">{j.lastError ?? t('common.none')}</td>
                    <td>{j.finishedAt ? dateTime(j.finishedAt) : t('common.none')}</td>
                    <td className="num">
                      <button type="button" className="button" aria-label={t('jobs.retryNamed', { id: j.id })} onClick={() => void retry(j)}>
                        {t('jobs.retry')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </LoadedList>
        <LoadMore pages={pages} />
      </div>
    </section>
  );
}

/** A payload value as staff read it: text as it is, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
