import { useEffect, useId, useState, type ReactNode } from 'react';
import { DOCUMENT_KINDS, ORDER_STATUSES, type DocumentKind, type FieldError, type OrderStatus } from './api.js';
import { LANGUAGES, useI18n } from './i18n/index.js';

/** A labelled form control with its hint and the API's own error messages beside it. */
export function Field(props: {
  label: string;
  hint?: ReactNode;
  errors?: readonly FieldError[];
  children: (a11y: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const errors = props.errors ?? [];
  const hintId = props.hint ? `${id}-hint` : undefined;
  const errorId = errors.length > 0 ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${errors.length > 0 ? ' field--invalid' : ''}${props.className ? ` ${props.className}` : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, 'aria-invalid': errors.length > 0, 'aria-describedby': describedBy })}
      {errors.length > 0 && (
        <ul className="field__errors" id={errorId} role="alert">
          {errors.map((e) => (
            <li key={`${e.path}:${e.code}`}>{e.message}</li>
          ))}
        </ul>
      )}
      {props.hint && (
        <p className="field__hint" id={hintId}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

export function StatusBadge({ status }: { status: OrderStatus }) {
  const { t } = useI18n();
  return <span className={`badge badge--${status}`}>{t(`status.${status}`)}</span>;
}

/** The status filter of an order list: every status, or "all" as the empty string. */
export function StatusFilter({ value, onChange }: { value: string; onChange: (status: string) => void }) {
  const { t } = useI18n();
  return (
    <Field label={t('orders.filterStatus')}>
      {(a) => (
        <select {...a} value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">{t('orders.allStatuses')}</option>
          {ORDER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`status.${s}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** A choice of the kind of document the CA asks for (or a reseller sends). */
export function DocumentKindField(props: { label: string; value: DocumentKind; onChange: (kind: DocumentKind) => void; errors?: readonly FieldError[] }) {
  const { t } = useI18n();
  return (
    <Field label={props.label} errors={props.errors}>
      {(a) => (
        <select {...a} value={props.value} onChange={(e) => props.onChange(e.target.value as DocumentKind)}>
          {DOCUMENT_KINDS.map((k) => (
            <option key={k} value={k}>
              {t(`docs.kind.${k}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** One fact of a `<dl className="facts">`: its label and value. */
export function Fact({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd className={className}>{children}</dd>
    </div>
  );
}

/** The ghost button that leaves a form or a confirmation without doing anything. */
export function BackButton({ onClick }: { onClick: () => void }) {
  const { t } = useI18n();
  return (
    <button type="button" className="button button--ghost" onClick={onClick}>
      {t('common.back')}
    </button>
  );
}

/** `value` once it has stood still for `delayMs`: a search box asks the API only when the typing pauses. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <div className="lang" role="group" aria-label={t('nav.language')}>
      {LANGUAGES.map((l) => (
        <button key={l} type="button" className={l === language ? 'lang__on' : ''} aria-pressed={l === language} onClick={() => setLanguage(l)}>
          {l.toUpperCase()}
        </button>
      ))}
    </div>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function Notice({ kind, children }: { kind: 'info' | 'warning' | 'error' | 'success'; children: ReactNode }) {
  return (
    <div className={`notice notice--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

/** The shield mark of the app's header (no brand name: resellers may show the portal to their staff). */
export function Mark() {
  return (
    <svg className="mark" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" />
      <path d="M16 7l7 3v5c0 5-3 8.5-7 10-4-1.5-7-5-7-10v-5z" />
      <path className="mark__tick" d="M12.5 16.2l2.6 2.6 4.6-5" />
    </svg>
  );
}
