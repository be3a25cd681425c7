import { useId, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type Account, type AccountSettings, type FieldError } from '../../api.js';
import { Field, Notice } from '../../components.js';
import { useI18n } from '../../i18n/index.js';

/** Account settings: the default language of customer emails, who receives the CA's document requests, and how renewals get their CSR. */
export function SettingsCard({ account, onSaved }: { account: Account; onSaved: (a: Account) => void }) {
  const { t } = useI18n();
  const [settings, setSettings] = useState<AccountSettings>(account.settings);
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const reuseHint = useId();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setFields([]);
    setMessage(null);
    try {
      const saved = await api<Account>('PUT', '/v1/account/settings', { body: settings });
      onSaved(saved);
      setMessage({ kind: 'success', text: t('settings.saved') });
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: messageOf(e) });
    }
  };

  return (
    <form className="card" onSubmit={save} noValidate aria-labelledby="settings-title">
      <h2 id="settings-title">{t('settings.title')}</h2>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      <div className="row row--2">
        <Field label={t('settings.language')} hint={t('settings.languageHint')} errors={fields.filter((f) => f.path === 'defaultLanguage')}>
          {(a) => (
            <select {...a} value={settings.defaultLanguage} onChange={(e) => setSettings((s) => ({ ...s, defaultLanguage: e.target.value as 'en' | 'de' }))}>
              <option value="en">English</option>
              <option value="de">Deutsch</option>
            </select>
          )}
        </Field>
        <fieldset className="field choice">
          <legend className="label">{t('settings.documentsTo')}</legend>
          {(['reseller', 'customer'] as const).map((to) => (
            <label key={to} className="choice__item">
              <input type="radio" name="documentRequestsTo" value={to} checked={settings.documentRequestsTo === to} onChange={() => setSettings((s) => ({ ...s, documentRequestsTo: to }))} />
              <span>{t(`settings.documentsTo.${to}`, { email: account.repEmail })}</span>
            </label>
          ))}
        </fieldset>
      </div>
      <fieldset className="field choice">
        <legend className="label">{t('settings.renewals')}</legend>
        <label className="choice__item">
          <input type="checkbox" checked={settings.renewalKeyReuse} aria-describedby={reuseHint} onChange={(e) => setSettings((s) => ({ ...s, renewalKeyReuse: e.target.checked }))} />
          <span>{t('settings.renewalKeyReuse')}</span>
        </label>
        <p id={reuseHint} className="field__hint">
          {t('settings.renewalKeyReuseHint')}
        </p>
      </fieldset>
      <button type="submit" className="button button--primary">
        {t('settings.save')}
      </button>
    </form>
  );
}
