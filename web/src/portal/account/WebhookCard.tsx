import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type FieldError } from '../../api.js';
import { Field, Notice, Spinner } from '../../components.js';
import { useI18n } from '../../i18n/index.js';
import { LoadedList, LoadMore, usePages } from '../../paging.js';

interface Endpoint {
  readonly url: string | null;
  readonly secret: string | null;
  readonly updatedAt: string | null;
}

interface Delivery {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly attempt: number;
  readonly at: string;
  readonly url: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly durationMs: number;
}

/** The webhook endpoint, its signing secret, and the log of every delivery attempt. */
export function WebhookCard() {
  const { t, dateTime } = useI18n();
  const [endpoint, setEndpoint] = useState<Endpoint | null>(null);
  const [url, setUrl] = useState('');
  const [reveal, setReveal] = useState(false);
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const deliveries = usePages<Delivery>((cursor) => `/v1/account/webhook/deliveries${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`, []);

  useEffect(() => {
    void api<Endpoint>('GET', '/v1/account/webhook').then((e) => {
      setEndpoint(e);
      setUrl(e.url ?? '');
    });
  }, []);

  const save = async (rotateSecret: boolean) => {
    setFields([]);
    setMessage(null);
    try {
      const saved = await api<Endpoint>('PUT', '/v1/account/webhook', { body: { url: url.trim(), ...(rotateSecret && { rotateSecret: true }) } });
      setEndpoint(saved);
      setMessage({ kind: 'success', text: t(rotateSecret ? 'hook.rotated' : 'hook.saved') });
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: messageOf(e) });
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save(false);
  };
  const remove = async () => {
    setMessage(null);
    try {
      await api('DELETE', '/v1/account/webhook');
      setEndpoint({ url: null, secret: null, updatedAt: null });
      setUrl('');
      setMessage({ kind: 'success', text: t('hook.removed') });
    } catch (e) {
      setMessage({ kind: 'error', text: messageOf(e) });
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="hook-title">
        <h2 id="hook-title">{t('hook.title')}</h2>
        <p className="muted small">{t('hook.lead')}</p>
        {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
        {endpoint === null ? (
          <Spinner label={t('common.loading')} />
        ) : (
          <form onSubmit={submit} noValidate>
            <div className="inline-form">
              <Field label={t('hook.url')} hint={t('hook.urlHint')} errors={fields.filter((f) => f.path === 'url' || f.path === '')}>
                {(a) => <input {...a} type="url" placeholder="https://" value={url} onChange={(e) => setUrl(e.target.value)} />}
              </Field>
              <button type="submit" className="button button--primary">
                {t('hook.save')}
              </button>
            </div>
            {endpoint.secret !== null && (
              <div className="secret secret--quiet">
                <span className="muted small">{t('hook.secret')}</span>
                <div className="secret__row">
                  <code className="mono">{reveal ? endpoint.secret : '•'.repeat(24)}</code>
                  <button type="button" className="button button--ghost" aria-pressed={reveal} onClick={() => setReveal((r) => !r)}>
                    {reveal ? t('hook.hide') : t('hook.show')}
                  </button>
                  <button type="button" className="button" onClick={() => void save(true)}>
                    {t('hook.rotate')}
                  </button>
                  <button type="button" className="button button--danger" onClick={() => void remove()}>
                    {t('hook.remove')}
                  </button>
                </div>
              </div>
            )}
          </form>
        )}
      </section>
      <section className="card" aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">{t('hook.deliveries')}</h2>
        {deliveries.error !== null && <Notice kind="error">{deliveries.error}</Notice>}
        <LoadedList list={deliveries} empty={<p className="empty">{t('hook.noDeliveries')}</p>}>
          {(items) => (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('hook.at')}</th>
                  <th scope="col">{t('hook.event')}</th>
                  <th scope="col">{t('hook.result')}</th>
                  <th scope="col" className="num">
                    {t('hook.duration')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => {
                  const ok = d.statusCode !== null && d.statusCode >= 200 && d.statusCode < 300;
                  return (
                    <tr key={d.id}>
                      <td>{dateTime(d.at)}</td>
                      <td>
                        <span className="mono small">{d.eventType}</span>
                        <div className="muted small">
                          {d.eventId} · {t('hook.attempt', { n: d.attempt })}
                        </div>
                      </td>
                      <td>
                        <span className={`pill ${ok ? 'pill--current' : 'pill--revoked'}`}>{d.statusCode ?? t('hook.noAnswer')}</span>
                        {d.error && <div className="muted small">{d.error}</div>}
                      </td>
                      <td className="num">{d.durationMs} ms</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </LoadedList>
        <LoadMore pages={deliveries} />
      </section>
    </>
  );
}
