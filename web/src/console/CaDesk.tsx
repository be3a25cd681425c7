import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, messageOf, type DocumentKind, type FieldError } from '../api.js';
import { DocumentKindField, Field, Notice } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { LoadedList } from '../paging.js';

interface DeskOrder {
  readonly orderId: string;
  readonly supplier: string;
  readonly supplierOrderId: string;
  readonly product: string;
  readonly names: string[];
  readonly organization: Record<string, string> | null;
  readonly organizationState: 'pending' | 'approved' | 'rejected' | 'not_required';
  readonly domainControlValidated: boolean;
  readonly hold: { since: string; reason: string } | null;
  readonly documentRequests: { requestId: string; kind: DocumentKind; note: string; requestedAt: string; answeredAt: string | null }[];
}

interface DeskDocument {
  readonly documentId: string;
  readonly requestId: string;
  readonly type: DocumentKind;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
  readonly receivedAt: string;
}

const ORG_FIELDS = ['legalName', 'registrationNumber', 'address', 'postalCode', 'city', 'country', 'jurisdictionCountry', 'businessCategory'] as const;

/**
 * The embedded CA's validation desk: the CA's side of OV/EV organisation validation. Staff ask for
 * documents, read what arrived, approve or reject the organisation, and hold or release an order.
 */
export function CaDesk() {
  const { t } = useI18n();
  const [orders, setOrders] = useState<DeskOrder[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A decision takes the order off the desk, its card with it: what was decided is said here instead.
  const [decided, setDecided] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ data: DeskOrder[] }>('GET', '/v1/staff/ca-desk/orders').then((r) => setOrders(r.data), (e: unknown) => setError(messageOf(e)));
  }, []);
  useEffect(load, [load]);

  return (
    <section>
      <div className="page-head">
        <h1>{t('desk.title')}</h1>
        <p className="lead">{t('desk.lead')}</p>
      </div>
      {error !== null && <Notice kind="error">{error}</Notice>}
      {decided !== null && <Notice kind="success">{decided}</Notice>}
      <LoadedList
        list={{ items: orders, error }}
        empty={
          <div className="card">
            <p className="empty">{t('desk.empty')}</p>
          </div>
        }
      >
        {(items) => (
          <ul className="holds">
            {items.map((o) => (
              <li key={o.orderId}>
                <DeskCard
                  order={o}
                  onChanged={load}
                  onDecided={(text) => {
                    setDecided(text);
                    load();
                  }}
                />
              </li>
            ))}
          </ul>
        )}
      </LoadedList>
    </section>
  );
}

function DeskCard({ order, onChanged, onDecided }: { order: DeskOrder; onChanged: () => void; onDecided: (text: string) => void }) {
  const { t, dateTime, country } = useI18n();
  const [kind, setKind] = useState<DocumentKind>('registration_extract');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState('');
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [documents, setDocuments] = useState<DeskDocument[] | null>(null);
  const base = `/v1/staff/ca-desk/orders/${encodeURIComponent(order.orderId)}`;

  useEffect(() => {
    api<{ data: DeskDocument[] }>('GET', `${base}/documents`).then((r) => setDocuments(r.data), () => setDocuments([]));
  }, [base]);

  /** A new value; the API's complaint about the previous one goes with it. */
  const edit = (path: 'note' | 'reason', value: string, set: (value: string) => void) => {
    set(value);
    setFields((f) => f.filter((x) => x.path !== path));
  };

  /** Runs a desk action; `decides` when it settles the organisation, which takes the order off the desk. */
  const run = async (path: string, body: unknown, success: string, decides = false) => {
    setFields([]);
    setMessage(null);
    try {
      await api('POST', `${base}/${path}`, { body });
      if (decides) {
        onDecided(success);
        return;
      }
      setMessage({ kind: 'success', text: success });
      setNote('');
      setReason('');
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: messageOf(e) });
    }
  };

  const name = order.organization?.legalName ?? order.names[0] ?? order.orderId;
  return (
    <article className="card hold" aria-labelledby={`desk-${order.orderId}`}>
      <header className="hold__head">
        <div>
          <h2 id={`desk-${order.orderId}`}>{name}</h2>
          <p className="muted small mono">
            {order.orderId} · {order.product} · {order.names.join(', ')}
          </p>
        </div>
        <div className="desk__states">
          <span className={`pill pill--org-${order.organizationState}`}>{t(`desk.org.${order.organizationState}`)}</span>
          <span className={`pill ${order.domainControlValidated ? 'pill--current' : 'pill--open'}`}>{t(order.domainControlValidated ? 'desk.dcvDone' : 'desk.dcvOpen')}</span>
          {order.hold && <span className="pill pill--revoked">{t('desk.held')}</span>}
        </div>
      </header>
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
      {order.hold && <Notice kind="warning">{t('desk.heldSince', { date: dateTime(order.hold.since), reason: order.hold.reason })}</Notice>}
      <div className="desk__grid">
        <div>
          <h3>{t('form.organization')}</h3>
          {order.organization === null ? (
            <p className="muted">{t('common.none')}</p>
          ) : (
            <dl className="facts">
              {ORG_FIELDS.filter((f) => order.organization?.[f]).map((f) => (
                <div key={f}>
                  <dt>{t(`form.${f}` as 'form.legalName')}</dt>
                  <dd>{f === 'country' || f === 'jurisdictionCountry' ? country(order.organization?.[f] ?? '') : order.organization?.[f]}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
        <div>
          <h3>{t('desk.requests')}</h3>
          {order.documentRequests.length === 0 ? (
            <p className="muted small">{t('desk.noRequests')}</p>
          ) : (
            <ul className="resolved">
              {order.documentRequests.map((r) => (
                <li key={r.requestId}>
                  <strong>{t(`docs.kind.${r.kind}`)}</strong> · {r.answeredAt ? t('docs.answered') : t('docs.open')}
                  <div className="muted small">
                    {r.note} · {dateTime(r.requestedAt)}
                  </div>
                  <ul className="files">
                    {(documents ?? [])
                      .filter((d) => d.requestId === r.requestId)
                      .map((d) => (
                        <li key={d.documentId}>
                          {d.name} <span className="muted small mono">sha256 {d.sha256.slice(0, 16)}…</span>
                        </li>
                      ))}
                  </ul>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="desk__actions">
        <div className="inline-form">
          <DocumentKindField label={t('desk.askFor')} value={kind} onChange={setKind} />
          <Field label={t('desk.note')} errors={fields.filter((f) => f.path === 'note')}>
            {(a) => <input {...a} type="text" value={note} onChange={(e) => edit('note', e.target.value, setNote)} />}
          </Field>
          <button type="button" className="button" onClick={() => void run('document-requests', { kind, ...(note.trim() !== '' && { note: note.trim() }) }, t('desk.asked'))}>
            {t('desk.ask')}
          </button>
        </div>
        <div className="inline-form">
          <Field label={t('desk.reason')} hint={t('desk.reasonHint')} errors={fields.filter((f) => f.path === 'reason')}>
            {(a) => <input {...a} type="text" value={reason} onChange={(e) => edit('reason', e.target.value, setReason)} />}
          </Field>
          <button type="button" className="button button--primary" onClick={() => void run('organization/approve', reason.trim() === '' ? {} : { reason: reason.trim() }, t(order.domainControlValidated && order.hold === null ? 'desk.approved' : 'desk.approvedWaiting', { name }), true)}>
            {t('desk.approve')}
          </button>
          <button type="button" className="button button--danger" onClick={() => void run('organization/reject', { reason: reason.trim() }, t('desk.rejected', { name }), true)}>
            {t('desk.reject')}
          </button>
          {order.hold ? (
            <button type="button" className="button" onClick={() => void run('hold/release', {}, t('desk.released'))}>
              {t('desk.release')}
            </button>
          ) : (
            <button type="button" className="button" onClick={() => void run('hold', reason.trim() === '' ? {} : { reason: reason.trim() }, t('desk.holdDone'))}>
              {t('desk.hold')}
            </button>
          )}
        </div>
      </div>
    </article>
  );
}
