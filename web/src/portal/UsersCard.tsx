import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type FieldError, type Session } from '../api.js';
import { Field, Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';

interface User {
  readonly id: string;
  readonly email: string;
  readonly role: 'owner' | 'member';
  readonly lastSignInAt: string | null;
}

/** The account's portal users, for its owners: who has access, add a person, remove one. */
export function UsersCard({ session }: { session: Session }) {
  const { t, dateTime } = useI18n();
  const [users, setUsers] = useState<User[] | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'member' | 'owner'>('member');
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const load = () => api<{ data: User[] }>('GET', '/v1/account/users').then((r) => setUsers(r.data));
  useEffect(() => {
    void load();
  }, []);

  const run = async (work: () => Promise<unknown>, success: string) => {
    setMessage(null);
    setFields([]);
    try {
      await work();
      setMessage({ kind: 'success', text: success });
      await load();
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
      return false;
    }
  };

  const add = async (event: FormEvent) => {
    event.preventDefault();
    if (await run(() => api('POST', '/v1/account/users', { body: { email, password, role } }), t('users.added', { email }))) {
      setEmail('');
      setPassword('');
    }
  };
  const at = (path: string) => fields.filter((f) => f.path === path);

  return (
    <div className="card">
      <h2>{t('users.title')}</h2>
      <p className="muted small">{t('users.lead', { name: session.account.name })}</p>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      {users === null ? (
        <Spinner label={t('common.loading')} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">{t('users.email')}</th>
              <th scope="col">{t('users.role')}</th>
              <th scope="col">{t('users.lastSignIn')}</th>
              <th scope="col">
                <span className="sr-only">{t('users.remove')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>
                  {u.email} {u.id === session.user.id && <span className="muted">({t('users.you')})</span>}
                </td>
                <td>{t(`role.${u.role}`)}</td>
                <td>{u.lastSignInAt ? dateTime(u.lastSignInAt) : t('users.never')}</td>
                <td className="num">
                  {u.id !== session.user.id && (
                    <button type="button" className="button button--ghost" onClick={() => void run(() => api('DELETE', `/v1/account/users/${encodeURIComponent(u.id)}`), t('users.removed', { email: u.email }))}>
                      {t('users.remove')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form className="add-user" onSubmit={add} noValidate>
        <h3>{t('users.add')}</h3>
        <div className="row row--3">
          <Field label={t('users.email')} errors={at('email')}>
            {(a) => <input {...a} type="email" autoComplete="off" value={email} onChange={(e) => setEmail(e.target.value)} />}
          </Field>
          <Field label={t('users.password')} hint={t('users.passwordHint')} errors={at('password')}>
            {(a) => <input {...a} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
          </Field>
          <Field label={t('users.role')} errors={at('role')}>
            {(a) => (
              <select {...a} value={role} onChange={(e) => setRole(e.target.value as 'member' | 'owner')}>
                <option value="member">{t('role.member')}</option>
                <option value="owner">{t('role.owner')}</option>
              </select>
            )}
          </Field>
        </div>
        <button type="submit" className="button button--primary">
          {t('users.add')}
        </button>
      </form>
    </div>
  );
}
