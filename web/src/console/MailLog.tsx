import { useMemo, useState } from 'react';
import { Field, Notice } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { LoadedList, LoadMore, usePages } from '../paging.js';
import { decodeWords, parseMessage } from './mime.js';

export interface OutboxMessage {
  readonly id: string;
  readonly messageId: string;
  readonly orderId: string | null;
  readonly resellerId: string | null;
  readonly template: string;
  readonly recipient: string;
  readonly subject: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
  readonly raw: string;
}

/**
 * A policy for the rendered email: nothing may load. Images only from the message itself (data:). The
 * iframe's sandbox has no allow-scripts: the message runs no script, submits no form, navigates nowhere.
 */
const MAIL_CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:">`;

/** Every email sent or forwarded, from the outbox, each rendered as its recipient sees it. */
export function MailLog({ orderId }: { orderId?: string }) {
  const { t, tr, dateTime } = useI18n();
  const [recipient, setRecipient] = useState('');
  const [applied, setApplied] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const pages = usePages<OutboxMessage>(
    (cursor) => {
      const params = new URLSearchParams();
      if (orderId !== undefined) params.set('orderId', orderId);
      if (applied !== '') params.set('recipient', applied);
      if (cursor !== null) params.set('cursor', cursor);
      return `/v1/staff/messages?${params.toString()}`;
    },
    [applied, orderId],
  );
  const current = pages.items?.find((m) => m.id === selected) ?? pages.items?.[0] ?? null;

  return (
    <section>
      {orderId === undefined && (
        <div className="page-head">
          <h1>{t('mail.title')}</h1>
          <p className="lead">{t('mail.lead')}</p>
        </div>
      )}
      <form
        className="toolbar"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(recipient.trim());
        }}
      >
        {orderId === undefined && (
          <>
            <Field label={t('mail.recipient')}>
              {(a) => <input {...a} type="search" placeholder="admin@example.com" value={recipient} onChange={(e) => setRecipient(e.target.value)} />}
            </Field>
            <button type="submit" className="button">
              {t('common.search')}
            </button>
          </>
        )}
      </form>
      {pages.error !== null && <Notice kind="error">{pages.error}</Notice>}
      <LoadedList
        list={pages}
        empty={
          <div className="card">
            <p className="empty">{t('mail.empty')}</p>
          </div>
        }
      >
        {(messages) => (
          <div className="mail">
            <div className="card mail__list">
              <ul aria-label={t('mail.messages')}>
                {messages.map((m) => (
                  <li key={m.id}>
                    <button type="button" className={`mail__item${m.id === current?.id ? ' mail__item--on' : ''}`} aria-pressed={m.id === current?.id} onClick={() => setSelected(m.id)}>
                      <span className="mail__subject">{m.subject}</span>
                      <span className="mail__to">{m.recipient}</span>
                      <span className="mail__meta">
                        <span className={`pill pill--mail-${m.status}`}>{m.status}</span> {tr(`mail.template.${m.template}`, m.template)} · {dateTime(m.createdAt)}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
              <LoadMore pages={pages} />
            </div>
            {current !== null && <RenderedMessage key={current.id} message={current} />}
          </div>
        )}
      </LoadedList>
    </section>
  );
}

/**
 * A srcdoc frame inherits this page's Content-Security-Policy, which refuses inline styles, and an email's
 * layout is nothing but inline styles. The frame is same-origin (never scriptable: no allow-scripts), so its
 * styles are applied here through the CSSOM, which the policy allows: the email looks as it does in a mail client.
 */
function applyInlineStyles(frame: HTMLIFrameElement) {
  const doc = frame.contentDocument;
  if (doc === null) return;
  for (const element of doc.querySelectorAll<HTMLElement>('[style]')) element.style.cssText = element.getAttribute('style') ?? '';
  const sheets = [...doc.querySelectorAll('style')].map((style) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(style.textContent ?? '');
    return sheet;
  });
  if (sheets.length > 0) doc.adoptedStyleSheets = sheets;
}

function RenderedMessage({ message }: { message: OutboxMessage }) {
  const { t, dateTime } = useI18n();
  const [view, setView] = useState<'rendered' | 'text' | 'source'>('rendered');
  const parsed = useMemo(() => parseMessage(message.raw), [message.raw]);
  const header = (name: string) => decodeWords(parsed.headers.get(name) ?? '');
  const showing = view === 'rendered' && parsed.html === null ? 'text' : view;
  return (
    <article className="card mail__view" aria-labelledby={`msg-${message.id}`}>
      <h2 id={`msg-${message.id}`}>{header('subject') || message.subject}</h2>
      <dl className="mail__headers">
        <div>
          <dt>{t('mail.from')}</dt>
          <dd>{header('from')}</dd>
        </div>
        <div>
          <dt>{t('mail.to')}</dt>
          <dd>{header('to')}</dd>
        </div>
        <div>
          <dt>{t('mail.date')}</dt>
          <dd>{message.sentAt ? dateTime(message.sentAt) : t('mail.notSent', { status: message.status })}</dd>
        </div>
        <div>
          <dt>Message-ID</dt>
          <dd className="mono small">{message.messageId}</dd>
        </div>
        {message.orderId && (
          <div>
            <dt>{t('mail.order')}</dt>
            <dd className="mono small">{message.orderId}</dd>
          </div>
        )}
      </dl>
      {message.lastError && <Notice kind="warning">{message.lastError}</Notice>}
      <div className="segmented" role="group" aria-label={t('mail.view')}>
        {(['rendered', 'text', 'source'] as const).map((v) => (
          <button key={v} type="button" aria-pressed={showing === v} disabled={v === 'rendered' && parsed.html === null} onClick={() => setView(v)}>
            {t(`mail.view.${v}`)}
          </button>
        ))}
      </div>
      {showing === 'rendered' && parsed.html !== null && (
        <iframe className="mail__frame" title={t('mail.rendered')} sandbox="allow-same-origin" referrerPolicy="no-referrer" srcDoc={MAIL_CSP + parsed.html} onLoad={(e) => applyInlineStyles(e.currentTarget)} />
      )}
      {showing === 'text' && <pre className="mail__text">{parsed.text ?? t('mail.noText')}</pre>}
      {showing === 'source' && <pre className="mail__text mail__source">{message.raw}</pre>}
      {parsed.attachments.length > 0 && (
        <div className="mail__attachments">
          <h3>{t('mail.attachments')}</h3>
          <ul className="chips">
            {parsed.attachments.map((a, i) => (
              <li key={`${a.filename}-${i}`} className="chip">
                {a.filename} <span className="muted">({Math.max(1, Math.round(a.size / 1024))} KiB)</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </article>
  );
}
