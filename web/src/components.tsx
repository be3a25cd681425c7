import { useId, type ReactNode } from 'react';
import type { FieldError, OrderStatus } from './api.js';
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
