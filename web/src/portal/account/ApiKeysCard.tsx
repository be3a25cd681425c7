import { useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, type ApiKey } from '../../api.js';
import { Field, Notice, Spinner } from '../../components.js';
import { useI18n } from '../../i18n/index.js';

/** API keys for the reseller's own software: create one (its secret is shown once), revoke one at once. */
export function ApiKeysCard() {
  const { t, dateTime } = useI18n();
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const load = () => api<{ data: ApiKey[] }>('GET', '/v1/account/api-keys').then((r) => setKeys(r.data));
  useEffect(() => {
    void load();
  }, []);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    setCopied(false);
    try {
      const key = await api<ApiKey & { apiKey: string }>('POST', '/v1/account/api-keys', { body: name.trim() === '' ? {} : { name: name.trim() } });
      setCreated({ name: key.name, secret: key.apiKey });
      setName('');
      await load();
    } catch (e) {
      setMessage({ kind: 'error', text: messageOf(e) });
    }
  };

  const revoke = async (key: ApiKey) => {
    setMessage(null);
    try {
      await api('DELETE', `/v1/account/api-keys/${encodeURIComponent(key.id)}`);
      setMessage({ kind: 'success', text: t('keys.revoked', { name: key.name }) });
      await load();
    } catch (e) {
      setMessage({ kind: 'error', text: messageOf(e) });
    }
  };

  return (
    <div className="card" aria-labelledby="keys-title">
      <h2 id="keys-title">{t('keys.title')}</h2>
      <p className="muted small">{t('keys.lead')}</p>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      {created !== null && (
        <div className="secret" role="status" data-testid="new-key">
          <strong>{t('keys.once', { name: created.name })}</strong>
          <div className="secret__row">
            <code className="mono">{created.secret}</code>
            <button
              type="button"
              className="button"
              onClick={() => void navigator.clipboard?.writeText(created.secret).then(() => setCopied(true), () => undefined)}
            >
              {copied ? t('keys.copied') : t('keys.copy')}
            </button>
            <button type="button" className="button button--ghost" onClick={() => setCreated(null)}>
              {t('keys.stored')}
            </button>
          </div>
        </div>
      )}
      {keys === null ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('keys.name')}</th>
              <th scope="col">{t('keys.prefix')}</th>
              <th scope="col">{t('keys.created')}</th>
              <th scope="col">
                <span className="sr-only">{t('keys.revoke')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} className={k.revokedAt ? 'row--off' : undefined}>
                <td>{k.name}</td>
                <td className="mono small">{k.prefix}…</td>
                <td>{dateTime(k.createdAt)}</td>
                <td className="num">
                  {k.revokedAt ? (
                    <span className="muted small">{t('keys.revokedAt', { date: dateTime(k.revokedAt) })}</span>
                  ) : (
                    <button type="button" className="button button--ghost" aria-label={t('keys.revokeNamed', { name: k.name })} onClick={() => void revoke(k)}>
                      {t('keys.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="add-user" onSubmit={create} noValidate>
        <h3>{t('keys.create')}</h3>
        <div className="inline-form">
          <Field label={t('keys.name')} hint={t('keys.nameHint')}>
            {(a) => <input {...a} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
          </Field>
          <button type="submit" className="button button--primary">
            {t('keys.create')}
          </button>
        </div>
      </form>
    </div>
  );
}
