import { useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type Account, type FieldError } from '../api.js';
import { BackButton, Field, Notice } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { LoadedList, LoadMore, usePages } from '../paging.js';

const CURRENCIES = ['EUR', 'USD', 'GBP', 'CHF'] as const;

/** Reseller accounts: create one (its first API key is shown once), top up a balance, set a credit limit. */
export function Resellers() {
  const { t, money, date } = useI18n();
  const pages = usePages<Account>((cursor) => `/v1/staff/resellers${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`, []);
  const [open, setOpen] = useState<{ id: string; action: 'top-up' | 'limit' } | null>(null);
  const [done, setDone] = useState<string | null>(null);

  return (
    <section>
      <div className="page-head">
        <h1>{t('res.title')}</h1>
        <p className="lead">{t('res.lead')}</p>
      </div>
      {done !== null && <Notice kind="success">{done}</Notice>}
      <CreateReseller onCreated={pages.reload} />
      <div className="card">
        {pages.error !== null && <Notice kind="error">{pages.error}</Notice>}
        <LoadedList list={pages} empty={<p className="empty">{t('res.empty')}</p>}>
          {(resellers) => (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('res.name')}</th>
                  <th scope="col" className="num">
                    {t('account.balance')}
                  </th>
                  <th scope="col" className="num">
                    {t('account.creditLimit')}
                  </th>
                  <th scope="col" className="num">
                    {t('account.available')}
                  </th>
                  <th scope="col">{t('res.since')}</th>
                  <th scope="col">
                    <span className="sr-only">{t('order.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {resellers.flatMap((r) => [
                  <tr key={r.id}>
                    <td>
                      <strong>{r.name}</strong>
                      <div className="muted small">
                        <span className="mono">{r.id}</span> · {r.repEmail}
                      </div>
                    </td>
                    <td className={`num${r.balance.amount < 0 ? ' negative' : ''}`}>{money(r.balance.amount, r.balance.currency)}</td>
                    <td className="num">{money(r.creditLimit.amount, r.creditLimit.currency)}</td>
                    <td className="num">{money(r.available.amount, r.available.currency)}</td>
                    <td>{date(r.createdAt)}</td>
                    <td className="num nowrap">
                      <button type="button" className="button" aria-expanded={open?.id === r.id && open.action === 'top-up'} onClick={() => setOpen({ id: r.id, action: 'top-up' })}>
                        {t('res.topUp')}
                      </button>{' '}
                      <button type="button" className="button button--ghost" aria-expanded={open?.id === r.id && open.action === 'limit'} onClick={() => setOpen({ id: r.id, action: 'limit' })}>
                        {t('res.limit')}
                      </button>
                    </td>
                  </tr>,
                  open?.id === r.id ? (
                    <tr key={`${r.id}-form`} className="row--form">
                      <td colSpan={6}>
                        <AccountAction
                          reseller={r}
                          action={open.action}
                          onCancel={() => setOpen(null)}
                          onDone={(text) => {
                            setOpen(null);
                            setDone(text);
                            pages.reload();
                          }}
                        />
                      </td>
                    </tr>
                  ) : null,
                ])}
              </tbody>
            </table>
          )}
        </LoadedList>
        <LoadMore pages={pages} />
      </div>
    </section>
  );
}

/** Major units as typed ("250", "250.00", "250,5") to minor units; null when it is not an amount. */
function toMinor(text: string): number | null {
  const m = /^\s*(\d+)(?:[.,](\d{1,2}))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

function AccountAction({ reseller, action, onCancel, onDone }: { reseller: Account; action: 'top-up' | 'limit'; onCancel: () => void; onDone: (text: string) => void }) {
  const { t, money } = useI18n();
  const [amount, setAmount] = useState(action === 'limit' ? String(reseller.creditLimit.amount / 100) : '');
  const [reference, setReference] = useState('');
  const [note, setNote] = useState('');
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFields([]);
    setError(null);
    try {
      if (action === 'top-up') {
        // Major units as text: the API parses them exactly; the reference makes a double click harmless.
        await api('POST', `/v1/staff/resellers/${encodeURIComponent(reseller.id)}/top-ups`, {
          body: { amount: amount.trim().replace(',', '.'), reference: reference.trim() || `console-${crypto.randomUUID()}`, ...(note.trim() !== '' && { note: note.trim() }) },
        });
        onDone(t('res.toppedUp', { name: reseller.name, amount: money(toMinor(amount) ?? 0, reseller.currency) }));
      } else {
        const minor = toMinor(amount);
        if (minor === null) {
          setFields([{ path: 'creditLimit', code: 'amount.invalid', message: t('res.amountRule') }]);
          return;
        }
        await api('PUT', `/v1/staff/resellers/${encodeURIComponent(reseller.id)}/credit-limit`, { body: { creditLimit: minor } });
        onDone(t('res.limitSet', { name: reseller.name, amount: money(minor, reseller.currency) }));
      }
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setError(messageOf(e));
    }
  };

  const amountErrors = fields.filter((f) => f.path === 'amount' || f.path === 'creditLimit');
  return (
    <form className="inline-form inline-form--wide" onSubmit={submit} noValidate aria-label={t(action === 'top-up' ? 'res.topUpFor' : 'res.limitFor', { name: reseller.name })}>
      {error !== null && <Notice kind="error">{error}</Notice>}
      <Field label={t(action === 'top-up' ? 'res.amount' : 'res.newLimit', { currency: reseller.currency })} errors={amountErrors}>
        {(a) => (
          <input
            {...a}
            type="text"
            inputMode="decimal"
            value={amount}
            onChange={(e) => {
              // The API's complaint was about the previous value: it goes with it.
              setAmount(e.target.value);
              setFields((f) => f.filter((x) => x.path !== 'amount' && x.path !== 'creditLimit'));
            }}
          />
        )}
      </Field>
      {action === 'top-up' && (
        <>
          <Field label={t('res.reference')} hint={t('res.referenceHint')} errors={fields.filter((f) => f.path === 'reference')}>
            {(a) => <input {...a} type="text" value={reference} onChange={(e) => setReference(e.target.value)} />}
          </Field>
          <Field label={t('res.note')} errors={fields.filter((f) => f.path === 'note')}>
            {(a) => <input {...a} type="text" value={note} onChange={(e) => setNote(e.target.value)} />}
          </Field>
        </>
      )}
      <button type="submit" className="button button--primary">
        {t(action === 'top-up' ? 'res.topUp' : 'res.limit')}
      </button>
      <BackButton onClick={onCancel} />
    </form>
  );
}

function CreateReseller({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [repEmail, setRepEmail] = useState('');
  const [currency, setCurrency] = useState<string>('EUR');
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; apiKey: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFields([]);
    setError(null);
    try {
      const result = await api<{ id: string; apiKey: string; reseller: Account }>('POST', '/v1/staff/resellers', { body: { name, repEmail, currency } });
      setCreated({ name: result.reseller.name, apiKey: result.apiKey });
      setName('');
      setRepEmail('');
      setOpen(false);
      onCreated();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setError(messageOf(e));
    }
  };

  return (
    <div className="card">
      <div className="card__head">
        <div>
          <h2>{t('res.createTitle')}</h2>
          <p className="muted small">{t('res.createLead')}</p>
        </div>
        {!open && (
          <button type="button" className="button button--primary" onClick={() => setOpen(true)}>
            {t('res.create')}
          </button>
        )}
      </div>
      {created !== null && (
        <div className="secret" role="status">
          <strong>{t('res.created', { name: created.name })}</strong>
          <div className="secret__row">
            <code className="mono">{created.apiKey}</code>
          </div>
        </div>
      )}
      {open && (
        <form onSubmit={submit} noValidate>
          {error !== null && <Notice kind="error">{error}</Notice>}
          <div className="row row--3">
            <Field label={t('res.name')} errors={fields.filter((f) => f.path === 'name')}>
              {(a) => <input {...a} type="text" value={name} onChange={(e) => setName(e.target.value)} />}
            </Field>
            <Field label={t('res.repEmail')} hint={t('res.repEmailHint')} errors={fields.filter((f) => f.path === 'repEmail')}>
              {(a) => <input {...a} type="email" value={repEmail} onChange={(e) => setRepEmail(e.target.value)} />}
            </Field>
            <Field label={t('res.currency')} errors={fields.filter((f) => f.path === 'currency')}>
              {(a) => (
                <select {...a} value={currency} onChange={(e) => setCurrency(e.target.value)}>
                  {CURRENCIES.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <div className="actions">
            <button type="submit" className="button button--primary">
              {t('res.createSubmit')}
            </button>
            <BackButton onClick={() => setOpen(false)} />
          </div>
        </form>
      )}
    </div>
  );
}
