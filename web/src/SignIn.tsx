import { useState, type FormEvent } from 'react';
import { api, ApiError, type Session } from './api.js';
import { Field, LanguageSwitch, Mark, Notice } from './components.js';
import { useI18n } from './i18n/index.js';

/** Sign-in for the portal or the console: the same `POST /v1/session`, each area for its own accounts. */
export function SignIn(props: { area: 'portal' | 'console'; wrongArea: 'reseller' | 'staff' | undefined; onSignedIn: (s: Session) => void; onSignOut: () => void }) {
  const { t } = useI18n();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(await api<Session>('POST', '/v1/session', { body: { email, password } }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className={`signin signin--${props.area}`}>
      <div className="signin__lang">
        <LanguageSwitch />
      </div>
      <main className="signin__card" id="main">
        <div className="signin__brand">
          <Mark />
          <span>{t(props.area === 'console' ? 'app.console' : 'app.portal')}</span>
        </div>
        <h1>{t('signIn.title')}</h1>
        <p className="lead">{t(props.area === 'console' ? 'signIn.consoleLead' : 'signIn.portalLead')}</p>
        {props.wrongArea !== undefined && (
          <Notice kind="warning">
            {t(props.area === 'console' ? 'signIn.wrongConsole' : 'signIn.wrongPortal')}{' '}
            <button type="button" className="linklike" onClick={props.onSignOut}>
              {t('nav.signOut')}
            </button>
          </Notice>
        )}
        <form onSubmit={submit} noValidate>
          {error !== null && <Notice kind="error">{error}</Notice>}
          <Field label={t('signIn.email')}>
            {(a) => <input {...a} type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />}
          </Field>
          <Field label={t('signIn.password')}>
            {(a) => <input {...a} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
          </Field>
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy ? t('signIn.busy') : t('signIn.submit')}
          </button>
        </form>
      </main>
    </div>
  );
}
