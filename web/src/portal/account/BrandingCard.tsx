import { useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type Account, type Branding, type FieldError } from '../../api.js';
import { Field, Notice } from '../../components.js';
import { useI18n } from '../../i18n/index.js';

const TEXT_FIELDS = ['displayName', 'supportEmail', 'supportPhone', 'website'] as const;
const COLOR = /^#[0-9a-fA-F]{6}$/;
const MAX_LOGO_BYTES = 256 * 1024;

/**
 * The branding of the order confirmation the reseller's customers receive, with a live preview of that
 * email beside the form. The server checks every field again when it renders the real email.
 */
export function BrandingCard({ account, onSaved }: { account: Account; onSaved: (a: Account) => void }) {
  const { t } = useI18n();
  const [branding, setBranding] = useState<Branding>(account.branding);
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const set = (key: keyof Branding, value: string) => setBranding((b) => ({ ...b, [key]: value }));
  const at = (path: string) => fields.filter((f) => f.path === path || f.path === `branding.${path}`);

  const chooseLogo = (file: File | undefined) => {
    setFields((f) => f.filter((e) => e.path !== 'logo'));
    if (file === undefined) return;
    if (!['image/png', 'image/jpeg'].includes(file.type) || file.size > MAX_LOGO_BYTES) {
      setFields((f) => [...f, { path: 'logo', code: 'logo.invalid', message: t('brand.logoRule') }]);
      return;
    }
    const reader = new FileReader();
    reader.onload = () => set('logo', String(reader.result));
    reader.readAsDataURL(file);
  };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFields([]);
    setMessage(null);
    // Empty fields are left out: the email then falls back to the account's name and neutral colours.
    const body = Object.fromEntries(Object.entries(branding).filter(([, v]) => typeof v === 'string' && v.trim() !== ''));
    try {
      const saved = await api<Account>('PUT', '/v1/account/branding', { body });
      onSaved(saved);
      setBranding(saved.branding);
      setMessage({ kind: 'success', text: t('brand.saved') });
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: messageOf(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="branding">
      <form className="card" onSubmit={save} noValidate aria-labelledby="branding-title">
        <h2 id="branding-title">{t('brand.title')}</h2>
        <p className="muted small">{t('brand.lead')}</p>
        {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
        {TEXT_FIELDS.map((key) => (
          <Field key={key} label={t(`brand.${key}`)} errors={at(key)} {...(key === 'displayName' && { hint: t('brand.displayNameHint', { name: account.name }) })}>
            {(a) => (
              <input
                {...a}
                type={key === 'supportEmail' ? 'email' : key === 'website' ? 'url' : 'text'}
                value={branding[key] ?? ''}
                placeholder={key === 'website' ? 'https://' : undefined}
                onChange={(e) => set(key, e.target.value)}
              />
            )}
          </Field>
        ))}
        <div className="row row--2">
          {(['primaryColor', 'accentColor'] as const).map((key) => (
            <Field key={key} label={t(`brand.${key}`)} hint="#rrggbb" errors={at(key)}>
              {(a) => (
                <div className="color">
                  <input {...a} type="text" value={branding[key] ?? ''} placeholder="#1f4fd1" onChange={(e) => set(key, e.target.value)} />
                  <input
                    type="color"
                    aria-label={t('brand.pick', { field: t(`brand.${key}`) })}
                    value={COLOR.test(branding[key] ?? '') ? (branding[key] as string) : '#263238'}
                    onChange={(e) => set(key, e.target.value)}
                  />
                </div>
              )}
            </Field>
          ))}
        </div>
        <Field label={t('brand.logo')} hint={t('brand.logoRule')} errors={at('logo')}>
          {(a) => (
            <div className="logo-pick">
              <input {...a} type="file" accept="image/png,image/jpeg" onChange={(e) => chooseLogo(e.target.files?.[0])} />
              {branding.logo && (
                <button type="button" className="button button--ghost" onClick={() => set('logo', '')}>
                  {t('brand.removeLogo')}
                </button>
              )}
            </div>
          )}
        </Field>
        <Field label={t('brand.signature')} errors={at('signature')}>
          {(a) => <textarea {...a} rows={3} value={branding.signature ?? ''} onChange={(e) => set('signature', e.target.value)} />}
        </Field>
        <button type="submit" className="button button--primary" disabled={busy}>
          {t('brand.save')}
        </button>
      </form>
      <ConfirmationPreview account={account} branding={branding} />
    </div>
  );
}

/** What the administrative contact will see: the order confirmation with this branding, on sample data. */
function ConfirmationPreview({ account, branding }: { account: Account; branding: Branding }) {
  const { t } = useI18n();
  const primary = COLOR.test(branding.primaryColor ?? '') ? (branding.primaryColor as string) : '#263238';
  const accent = COLOR.test(branding.accentColor ?? '') ? (branding.accentColor as string) : primary;
  const name = branding.displayName?.trim() || account.name;
  const logo = branding.logo && /^data:image\/(png|jpeg);base64,/.test(branding.logo) ? branding.logo : null;
  return (
    <aside className="card preview" aria-labelledby="preview-title">
      <h2 id="preview-title">{t('brand.preview')}</h2>
      <div className="mail-meta small">
        <div>
          <span className="muted">{t('mail.from')}</span> {name}
        </div>
        <div>
          <span className="muted">{t('mail.subject')}</span> {t('preview.subject')}
        </div>
      </div>
      <div className="preview__mail" data-testid="branding-preview">
        <div className="preview__band" style={{ borderTopColor: primary }}>
          {logo ? <img src={logo} alt={name} className="preview__logo" /> : <span className="preview__name">{name}</span>}
        </div>
        <div className="preview__body">
          <h3 style={{ color: primary }}>{t('preview.heading')}</h3>
          <p>{t('preview.greeting')}</p>
          <p>{t('preview.text')}</p>
          <table className="preview__details">
            <tbody>
              <tr>
                <th scope="row">{t('order.product')}</th>
                <td>DV Single</td>
              </tr>
              <tr>
                <th scope="row">{t('form.domains')}</th>
                <td>www.example.com</td>
              </tr>
              <tr>
                <th scope="row">{t('order.approver')}</th>
                <td>admin@example.com</td>
              </tr>
            </tbody>
          </table>
          <p className="preview__next" style={{ borderColor: accent }}>
            {t('preview.next')}
          </p>
          <p className="preview__signature">{branding.signature?.trim() || name}</p>
        </div>
        <div className="preview__foot">
          {[branding.supportEmail, branding.supportPhone, branding.website].filter((v) => v !== undefined && v.trim() !== '').join(' · ') || t('preview.noSupport')}
        </div>
      </div>
    </aside>
  );
}
