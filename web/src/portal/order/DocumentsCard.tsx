import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type DocumentKind, type DocumentRequest, type FieldError, type OrderDocument } from '../../api.js';
import { DocumentKindField, Field, Notice } from '../../components.js';
import { useI18n } from '../../i18n/index.js';

const ACCEPT = 'application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg';

/** OV/EV: the CA's document requests for this order, an upload form for each open one, and what was sent. */
export function DocumentsCard({ orderId, onUploaded }: { orderId: string; onUploaded: () => void }) {
  const { t, dateTime } = useI18n();
  const [listing, setListing] = useState<{ requests: DocumentRequest[]; documents: OrderDocument[] } | null>(null);
  const base = `/v1/orders/${encodeURIComponent(orderId)}/documents`;

  const load = useCallback(() => {
    api<{ requests: DocumentRequest[]; documents: OrderDocument[] }>('GET', base).then(setListing, () => setListing(null));
  }, [base]);
  useEffect(load, [load]);

  if (listing === null || listing.requests.length === 0) return null;
  return (
    <section className="card" aria-labelledby="documents-title">
      <h2 id="documents-title">{t('docs.title')}</h2>
      <p className="muted small">{t('docs.lead')}</p>
      <ul className="requests">
        {listing.requests.map((r) => {
          const sent = listing.documents.filter((d) => d.requestId === r.id);
          return (
            <li key={r.id} className={`request${r.answeredAt === null ? ' request--open' : ''}`}>
              <div className="request__head">
                <strong>{t(`docs.kind.${r.kind}`)}</strong>
                <span className={`pill ${r.answeredAt === null ? 'pill--open' : 'pill--current'}`}>{r.answeredAt === null ? t('docs.open') : t('docs.answered')}</span>
              </div>
              {r.note !== '' && <p className="request__note">{r.note}</p>}
              <p className="muted small">{t('docs.requestedAt', { date: dateTime(r.requestedAt) })}</p>
              {sent.length > 0 && (
                <ul className="files">
                  {sent.map((d) => (
                    <li key={d.id}>
                      <a href={`${base}/${encodeURIComponent(d.id)}`} download>
                        {d.filename}
                      </a>{' '}
                      <span className="muted small">
                        {formatSize(d.size)} · {d.forwardedAt === null ? t('docs.waitingForCa') : t('docs.forwarded', { date: dateTime(d.forwardedAt) })}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
              <UploadForm
                base={base}
                request={r}
                collapsed={r.answeredAt !== null}
                onUploaded={() => {
                  load();
                  onUploaded();
                }}
              />
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The upload form of one request; for an answered request it opens on demand (another document may follow). */
function UploadForm({ base, request, collapsed, onUploaded }: { base: string; request: DocumentRequest; collapsed: boolean; onUploaded: () => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(!collapsed);
  const [type, setType] = useState<DocumentKind>(request.kind);
  const [files, setFiles] = useState<File[]>([]);
  const [inputKey, setInputKey] = useState(0);
  const [busy, setBusy] = useState(false);
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (files.length === 0) {
      setFields([{ path: 'file', code: 'file.missing', message: t('docs.chooseFile') }]);
      return;
    }
    const form = new FormData();
    form.append('requestId', request.id);
    form.append('type', type);
    for (const file of files) form.append('file', file, file.name);
    setBusy(true);
    setFields([]);
    setMessage(null);
    try {
      const stored = await api<{ data: OrderDocument[] }>('POST', base, { body: form });
      setMessage({ kind: 'success', text: t('docs.uploaded', { n: stored.data.length }) });
      setFiles([]);
      setInputKey((k) => k + 1);
      onUploaded();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: messageOf(e) });
    } finally {
      setBusy(false);
    }
  };

  const fileErrors = fields.filter((f) => f.path !== 'type' && f.path !== 'requestId');
  if (!open) {
    return (
      <>
        {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
        <button type="button" className="linklike small" onClick={() => setOpen(true)}>
          {t('docs.another')}
        </button>
      </>
    );
  }
  return (
    <form className="upload" onSubmit={submit} noValidate aria-label={t('docs.uploadFor', { kind: t(`docs.kind.${request.kind}`) })}>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      <div className="row row--2">
        <Field label={t('docs.files')} hint={t('docs.filesHint')} errors={fileErrors}>
          {(a) => <input {...a} key={inputKey} type="file" accept={ACCEPT} multiple onChange={(e) => setFiles([...(e.target.files ?? [])])} />}
        </Field>
        <DocumentKindField label={t('docs.type')} value={type} onChange={setType} errors={fields.filter((f) => f.path === 'type')} />
      </div>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? t('docs.uploading') : t('docs.upload')}
      </button>
    </form>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
