import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, type Account, type DecodedCsr, type FieldError, type Money } from '../api.js';
import { Field, Notice } from '../components.js';
import { COUNTRY_CODES } from '../countries.js';
import { useI18n, type Language } from '../i18n/index.js';
import { useProducts } from '../products.js';
import { navigate } from '../router.js';

/** How long typing must pause before the order is checked again (the API is cheap, but not free). */
const VALIDATE_DELAY_MS = 300;
/** A pasted CSR is one change: decode it almost at once. */
const DECODE_DELAY_MS = 120;

const CONTACT_FIELDS = ['firstName', 'lastName', 'email', 'phone', 'country'] as const;
const ORGANIZATION_FIELDS = ['legalName', 'registrationNumber', 'address', 'city', 'postalCode', 'country'] as const;
const EV_FIELDS = ['jurisdictionCountry', 'businessCategory'] as const;
const BUSINESS_CATEGORIES = ['private_organization', 'government_entity', 'business_entity', 'non_commercial_entity'] as const;

type Contact = Record<(typeof CONTACT_FIELDS)[number], string>;
type Organization = Record<(typeof ORGANIZATION_FIELDS)[number] | (typeof EV_FIELDS)[number], string>;

interface ValidationReport {
  readonly valid: boolean;
  readonly errors: FieldError[];
  readonly price: Money | null;
}

interface Decoded {
  readonly csr: DecodedCsr | null;
  readonly errors: FieldError[];
  /** The CSR text this answer is about. */
  readonly forText: string;
}

/** Paths the form shows beside a field of its own; anything else is listed in the summary. */
function shownBeside(path: string, organizationShown: boolean): boolean {
  return (
    ['product', 'termMonths', 'csr', 'domains', 'approverEmail', 'language'].includes(path) ||
    path.startsWith('domains[') ||
    path.startsWith('dcv[') ||
    CONTACT_FIELDS.some((f) => path === `adminContact.${f}`) ||
    (organizationShown && (path === 'organization' || [...ORGANIZATION_FIELDS, ...EV_FIELDS].some((f) => path === `organization.${f}`)))
  );
}

function keyText(csr: DecodedCsr): string {
  return csr.key.type === 'rsa' ? `RSA ${csr.key.bits}` : `ECDSA ${csr.key.curve}`;
}

function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

/** The order form: validated by `POST /v1/orders/validate` as it is typed, showing the API's own messages. */
export function OrderForm() {
  const { t, language, money, country } = useI18n();
  const products = useProducts();
  const [account, setAccount] = useState<Account | null>(null);
  const [product, setProduct] = useState('dv-single');
  const [termMonths, setTermMonths] = useState(12);
  const [csr, setCsr] = useState('');
  const [approverEmail, setApproverEmail] = useState('');
  const [contact, setContact] = useState<Contact>({ firstName: '', lastName: '', email: '', phone: '', country: '' });
  const [organization, setOrganization] = useState<Organization>({ legalName: '', registrationNumber: '', address: '', city: '', postalCode: '', country: '', jurisdictionCountry: '', businessCategory: '' });
  const [customerLanguage, setCustomerLanguage] = useState<Language>(language);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [decoded, setDecoded] = useState<Decoded | null>(null);
  const [approvers, setApprovers] = useState<{ domain: string; emails: string[] } | null>(null);
  const [report, setReport] = useState<(ValidationReport & { forBody: string; sent: Record<string, unknown> }) | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const [placeError, setPlaceError] = useState<string | null>(null);

  useEffect(() => {
    void api<Account>('GET', '/v1/account').then(setAccount);
  }, []);

  const touch = (path: string) => setTouched((s) => (s.has(path) ? s : new Set(s).add(path)));
  const selected = products.find((p) => p.code === product);
  const validation = selected?.validation ?? 'dv';
  const organizationShown = validation !== 'dv';

  // The CSR is decoded at once: its names become the order's domains.
  const csrText = useDebounced(csr.trim(), DECODE_DELAY_MS);
  useEffect(() => {
    if (csrText === '') {
      setDecoded(null);
      return;
    }
    const abort = new AbortController();
    api<{ csr: DecodedCsr | null; errors: FieldError[] }>('POST', '/v1/csr/decode', { body: { csr: csrText }, signal: abort.signal }).then(
      (r) => setDecoded({ csr: r.csr, errors: r.errors, forText: csrText }),
      () => undefined,
    );
    return () => abort.abort();
  }, [csrText]);
  const domains = useMemo(() => (decoded?.csr && decoded.forText === csr.trim() ? decoded.csr.names : []), [decoded, csr]);
  const firstDomain = domains[0];

  useEffect(() => {
    if (firstDomain === undefined) {
      setApprovers(null);
      return;
    }
    const abort = new AbortController();
    api<{ domain: string; emails: string[] }>('GET', `/v1/approver-emails?domain=${encodeURIComponent(firstDomain.replace(/^\*\./, ''))}`, { signal: abort.signal }).then(
      (r) => {
        setApprovers(r);
        setApproverEmail((current) => (r.emails.includes(current) ? current : ''));
      },
      () => undefined,
    );
    return () => abort.abort();
  }, [firstDomain]);

  const body = useMemo(
    () => ({
      product,
      termMonths,
      csr,
      domains,
      approverEmail,
      adminContact: contact,
      ...(organizationShown && {
        organization: Object.fromEntries(Object.entries(organization).filter(([k, v]) => v !== '' || !(EV_FIELDS as readonly string[]).includes(k) || validation === 'ev')),
      }),
      language: customerLanguage,
    }),
    [product, termMonths, csr, domains, approverEmail, contact, organization, organizationShown, validation, customerLanguage],
  );
  const bodyJson = JSON.stringify(body);
  const debouncedBody = useDebounced(bodyJson, VALIDATE_DELAY_MS);
  useEffect(() => {
    const abort = new AbortController();
    const sent = JSON.parse(debouncedBody) as Record<string, unknown>;
    api<ValidationReport>('POST', '/v1/orders/validate', { body: sent, signal: abort.signal }).then(
      (r) => setReport({ ...r, forBody: debouncedBody, sent }),
      () => undefined,
    );
    return () => abort.abort();
  }, [debouncedBody]);

  // One key per distinct order: a double click or a retry of the same order places it once.
  const idempotencyKey = useMemo(() => crypto.randomUUID(), [bodyJson]);
  const upToDate = report?.forBody === bodyJson;
  const errors = report?.errors ?? [];
  const visible = (path: string) => touched.has(path) || touched.has('*');
  // A message about a value the user has since changed would be wrong beside the new one: it waits for the next check.
  const current = (path: string) => valueAt(report?.sent, path) === valueAt(body, path);
  const errorsAt = (path: string, options: { always?: boolean } = {}) => ((options.always || visible(path)) && current(path) ? errors.filter((e) => e.path === path) : []);
  // Errors about an earlier CSR text would flash beside a fixed one: only the current text's count.
  const csrErrors =
    csr.trim() === ''
      ? errorsAt('csr')
      : dedupe([...(decoded?.forText === csr.trim() ? decoded.errors : []), ...(current('csr') ? errors.filter((e) => e.path === 'csr') : [])]);
  const domainErrors = domains.length > 0 ? errors.filter((e) => e.path === 'domains' || e.path.startsWith('domains[')) : [];
  const approverErrors = approverEmail !== '' || visible('approverEmail') ? errors.filter((e) => e.path === 'approverEmail' || e.path.startsWith('dcv[')) : [];
  const others = errors.filter((e) => !shownBeside(e.path, organizationShown));
  const canSubmit = upToDate && report.valid && !submitting;

  // The submit button stays disabled while anything is wrong; this shows every message and goes to the first.
  const showProblems = () => {
    setTouched(new Set(['*']));
    requestAnimationFrame(() => document.querySelector<HTMLElement>('.order-form [aria-invalid="true"]')?.focus());
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(new Set(['*']));
    if (!canSubmit) return;
    setSubmitting(true);
    setPlaceError(null);
    try {
      const placed = await api<{ id: string }>('POST', '/v1/orders', { body, headers: { 'idempotency-key': idempotencyKey } });
      navigate(`/orders/${placed.id}`);
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setReport({ valid: false, errors: [...e.fields], price: report?.price ?? null, forBody: bodyJson, sent: body });
      setPlaceError(e instanceof Error ? e.message : String(e));
      setSubmitting(false);
    }
  };

  const countryOptions = useMemo(() => COUNTRY_CODES.map((code) => ({ code, name: country(code) })).sort((a, b) => a.name.localeCompare(b.name)), [country]);
  const price = report?.price ?? null;
  const after = price && account ? account.available.amount - price.amount : null;

  return (
    <form className="order-form" onSubmit={submit} noValidate aria-labelledby="order-form-title">
      <div className="page-head">
        <h1 id="order-form-title">{t('form.title')}</h1>
        <p className="lead">{t('form.lead')}</p>
      </div>
      <div className="order-form__grid">
        <div className="order-form__main">
          <section className="card">
            <div className="row row--2">
              <Field label={t('form.product')} errors={errorsAt('product', { always: true })}>
                {(a) => (
                  <select {...a} value={product} onChange={(e) => setProduct(e.target.value)}>
                    {products.map((p) => (
                      <option key={p.code} value={p.code}>
                        {p.name}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              <Field label={t('form.term')} errors={errorsAt('termMonths', { always: true })}>
                {(a) => (
                  <select {...a} value={termMonths} onChange={(e) => setTermMonths(Number(e.target.value))}>
                    {(selected?.terms ?? [{ termMonths: 12 }, { termMonths: 24 }, { termMonths: 36 }]).map((term) => (
                      <option key={term.termMonths} value={term.termMonths}>
                        {t('form.termMonths', { n: term.termMonths })}
                        {'price' in term ? ` · ${money(term.price.amount, term.price.currency)}` : ''}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
          </section>

          <section className="card">
            <Field label={t('form.csr')} hint={t('form.csrHint')} errors={csrErrors}>
              {(a) => (
                <textarea
                  {...a}
                  name="csr"
                  className="mono"
                  rows={8}
                  spellCheck={false}
                  placeholder={'-----BEGIN CERTIFICATE REQUEST-----\n…\n-----END CERTIFICATE REQUEST-----'}
                  value={csr}
                  onChange={(e) => {
                    setCsr(e.target.value);
                    touch('csr');
                  }}
                />
              )}
            </Field>
            {csr.trim() !== '' && decoded?.forText !== csr.trim() && <p className="muted small">{t('form.csrChecking')}</p>}
            {decoded?.csr && decoded.forText === csr.trim() && (
              <dl className="decoded" aria-label={t('form.csrDecoded')}>
                <div>
                  <dt>{t('form.csrNames')}</dt>
                  <dd>{decoded.csr.names.join(', ')}</dd>
                </div>
                <div>
                  <dt>{t('form.csrKey')}</dt>
                  <dd>{keyText(decoded.csr)}</dd>
                </div>
                <div>
                  <dt>{t('form.csrSubject')}</dt>
                  <dd>{Object.entries(decoded.csr.subject).map(([k, v]) => `${k}: ${v}`).join(' · ') || t('common.none')}</dd>
                </div>
                <div>
                  <dt>{t('form.csrSignature')}</dt>
                  <dd>{decoded.csr.signatureAlgorithm}</dd>
                </div>
              </dl>
            )}
            <div className="field">
              <span className="label" id="domains-label">
                {t('form.domains')}
              </span>
              {domains.length === 0 ? (
                <p className="muted small">{t('form.domainsEmpty')}</p>
              ) : (
                <ul className="chips" aria-labelledby="domains-label">
                  {domains.map((d) => (
                    <li key={d} className="chip">
                      {d}
                    </li>
                  ))}
                </ul>
              )}
              {domainErrors.length > 0 && (
                <ul className="field__errors" role="alert">
                  {domainErrors.map((e) => (
                    <li key={`${e.path}:${e.code}`}>{e.message}</li>
                  ))}
                </ul>
              )}
            </div>
            <Field label={t('form.approver')} hint={firstDomain ? t('form.approverHint', { domain: firstDomain }) : t('form.approverWaiting')} errors={approverErrors}>
              {(a) => (
                <select
                  {...a}
                  name="approverEmail"
                  value={approverEmail}
                  disabled={approvers === null}
                  onChange={(e) => {
                    setApproverEmail(e.target.value);
                    touch('approverEmail');
                  }}
                  onBlur={() => touch('approverEmail')}
                >
                  <option value="">{t('form.approverNone')}</option>
                  {approvers?.emails.map((email) => (
                    <option key={email} value={email}>
                      {email}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </section>

          <section className="card">
            <h2>{t('form.contact')}</h2>
            <p className="muted small">{t('form.contactHint')}</p>
            <div className="row row--2">
              {CONTACT_FIELDS.map((f) => {
                const path = `adminContact.${f}`;
                const set = (value: string) => {
                  setContact((c) => ({ ...c, [f]: value }));
                  touch(path);
                };
                return (
                  <Field key={f} label={t(`form.${f}`)} errors={errorsAt(path)} className={f === 'email' ? 'span-2' : undefined}>
                    {(a) =>
                      f === 'country' ? (
                        <CountrySelect a={a} name={path} value={contact.country} onChange={set} options={countryOptions} none={t('form.countryNone')} />
                      ) : (
                        <input
                          {...a}
                          name={path}
                          type={f === 'email' ? 'email' : f === 'phone' ? 'tel' : 'text'}
                          autoComplete={{ firstName: 'given-name', lastName: 'family-name', email: 'email', phone: 'tel' }[f]}
                          value={contact[f]}
                          onChange={(e) => set(e.target.value)}
                          onBlur={() => touch(path)}
                        />
                      )
                    }
                  </Field>
                );
              })}
            </div>
          </section>

          {organizationShown && (
            <section className="card">
              <h2>{t('form.organization')}</h2>
              <p className="muted small">{t('form.organizationHint')}</p>
              <div className="row row--2">
                {[...ORGANIZATION_FIELDS, ...(validation === 'ev' ? EV_FIELDS : [])].map((f) => {
                  const path = `organization.${f}`;
                  const set = (value: string) => {
                    setOrganization((o) => ({ ...o, [f]: value }));
                    touch(path);
                  };
                  return (
                    <Field key={f} label={t(f === 'country' ? 'form.country' : `form.${f}`)} errors={errorsAt(path)} className={f === 'legalName' || f === 'address' ? 'span-2' : undefined}>
                      {(a) =>
                        f === 'country' || f === 'jurisdictionCountry' ? (
                          <CountrySelect a={a} name={path} value={organization[f]} onChange={set} options={countryOptions} none={t('form.countryNone')} />
                        ) : f === 'businessCategory' ? (
                          <select {...a} name={path} value={organization[f]} onChange={(e) => set(e.target.value)}>
                            <option value="">—</option>
                            {BUSINESS_CATEGORIES.map((c) => (
                              <option key={c} value={c}>
                                {t(`form.category.${c}`)}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <input {...a} name={path} value={organization[f]} onChange={(e) => set(e.target.value)} onBlur={() => touch(path)} />
                        )
                      }
                    </Field>
                  );
                })}
              </div>
            </section>
          )}

          <section className="card">
            <Field label={t('form.language')} errors={errorsAt('language', { always: true })}>
              {(a) => (
                <select {...a} value={customerLanguage} onChange={(e) => setCustomerLanguage(e.target.value as Language)}>
                  <option value="en">English</option>
                  <option value="de">Deutsch</option>
                </select>
              )}
            </Field>
          </section>
        </div>

        <aside className="order-form__summary" aria-label={t('form.summary')}>
          <div className="card card--summary">
            <h2>{t('form.summary')}</h2>
            <dl className="summary">
              <div>
                <dt>{t('form.product')}</dt>
                <dd>{selected?.name ?? product}</dd>
              </div>
              <div>
                <dt>{t('form.term')}</dt>
                <dd>{t('form.termMonths', { n: termMonths })}</dd>
              </div>
              <div>
                <dt>{t('form.domains')}</dt>
                <dd>{domains.length > 0 ? domains.join(', ') : t('common.none')}</dd>
              </div>
            </dl>
            <div className="price" aria-live="polite">
              <span>{t('form.price')}</span>
              <strong data-testid="price">{price ? money(price.amount, price.currency) : t('form.priceUnknown')}</strong>
            </div>
            {account && (
              <dl className="summary summary--small">
                <div>
                  <dt>{t('form.balance')}</dt>
                  <dd>{money(account.available.amount, account.available.currency)}</dd>
                </div>
                {after !== null && (
                  <div>
                    <dt>{t('form.balanceAfter')}</dt>
                    <dd className={after < 0 ? 'negative' : undefined}>{money(after, account.currency)}</dd>
                  </div>
                )}
              </dl>
            )}
            <p className={`readiness ${upToDate && report.valid ? 'readiness--ok' : ''}`} role="status" aria-live="polite">
              {!upToDate ? t('form.checking') : report.valid ? t('form.ready') : t(report.errors.length === 1 ? 'form.problems.one' : 'form.problems.other', { n: report.errors.length })}
            </p>
            {upToDate && !report.valid && !visible('*') && (
              <p>
                <button type="button" className="linklike" onClick={showProblems}>
                  {t('form.showProblems')}
                </button>
              </p>
            )}
            {others.length > 0 && visible('*') && (
              <div className="others">
                <h3>{t('form.otherProblems')}</h3>
                <ul className="field__errors">
                  {others.map((e) => (
                    <li key={`${e.path}:${e.code}`}>{e.message}</li>
                  ))}
                </ul>
              </div>
            )}
            {placeError !== null && <Notice kind="error">{t('form.placeFailed', { message: placeError })}</Notice>}
            <button type="submit" className="button button--primary button--block" disabled={!canSubmit}>
              {submitting ? t('form.submitting') : t('form.submit')}
            </button>
          </div>
        </aside>
      </div>
    </form>
  );
}

/** The value at a dotted path such as `adminContact.email` (the paths of the API's field errors). */
function valueAt(body: Record<string, unknown> | undefined, path: string): unknown {
  let value: unknown = body;
  for (const key of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function dedupe(errors: readonly FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.code) ? false : (seen.add(e.code), true)));
}

function CountrySelect(props: {
  a: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined };
  name: string;
  value: string;
  onChange: (value: string) => void;
  options: { code: string; name: string }[];
  none: string;
}) {
  return (
    <select {...props.a} name={props.name} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
      <option value="">{props.none}</option>
      {props.options.map((o) => (
        <option key={o.code} value={o.code}>
          {o.name}
        </option>
      ))}
    </select>
  );
}
