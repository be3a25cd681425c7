import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, type DecodedCsr, type FieldError, type Money, type OrderDetails } from '../../api.js';
import { BackButton, Field, Notice } from '../../components.js';
import { useI18n } from '../../i18n/index.js';

const DECODE_DELAY_MS = 300;

/**
 * A reissue with a pasted CSR. The CSR is decoded as it is pasted; when its names differ from the
 * order's, the new list goes with the request and the API answers with what the extra names cost.
 */
export function ReissueCard({ order, onRequested }: { order: OrderDetails; onRequested: () => void }) {
  const { t, money } = useI18n();
  const [open, setOpen] = useState(false);
  const [csr, setCsr] = useState('');
  const [decoded, setDecoded] = useState<DecodedCsr | null>(null);
  const [fields, setFields] = useState<readonly FieldError[]>([]);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  // The request this card placed: its confirmation shows while it is pending; the certificates table then tells the rest.
  const [requested, setRequested] = useState<string | null>(null);
  const settled = requested !== null && !!order.subscription && !order.subscription.pending.some((p) => p.requestId === requested);

  useEffect(() => {
    if (csr.trim() === '') {
      setDecoded(null);
      setFields([]);
      return;
    }
    const abort = new AbortController();
    const timer = setTimeout(() => {
      // The decoder answers 200 with the CSR or with every rule it breaks.
      api<{ csr: DecodedCsr | null; errors: FieldError[] }>('POST', '/v1/csr/decode', { body: { csr }, signal: abort.signal }).then(
        (r) => {
          setDecoded(r.csr);
          setFields(r.errors);
        },
        (e: unknown) => {
          if (abort.signal.aborted) return;
          setDecoded(null);
          setFields(e instanceof ApiError && e.fields.length > 0 ? e.fields : [{ path: 'csr', code: 'csr.invalid', message: messageOf(e) }]);
        },
      );
    }, DECODE_DELAY_MS);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [csr]);

  const current = new Set(order.domains);
  const added = decoded?.names.filter((n) => !current.has(n)) ?? [];
  const removed = decoded === null ? [] : order.domains.filter((n) => !decoded.names.includes(n));
  const changed = added.length > 0 || removed.length > 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    setRequested(null);
    try {
      // One key per CSR: a second click on the same request repeats it instead of paying for added names twice.
      const result = await api<{ requestId: string; charged: Money | null }>('POST', `/v1/orders/${encodeURIComponent(order.id)}/reissue`, {
        body: changed && decoded !== null ? { csr, domains: decoded.names } : { csr },
        headers: { 'idempotency-key': `reissue-${order.id}-${digest(csr)}` },
      });
      const cost = result.charged && result.charged.amount > 0 ? t('reissue.cost', { amount: money(result.charged.amount, result.charged.currency) }) : '';
      setMessage({ kind: 'success', text: `${t('reissue.requested', { id: result.requestId })} ${cost}`.trim() });
      setRequested(result.requestId);
      setCsr('');
      setOpen(false);
      onRequested();
    } catch (e) {
      if (e instanceof ApiError && e.fields.length > 0) setFields(e.fields);
      else setMessage({ kind: 'error', text: messageOf(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="reissue-title">
      <div className="card__head">
        <h2 id="reissue-title">{t('reissue.title')}</h2>
        {!open && (
          <button type="button" className="button" onClick={() => setOpen(true)}>
            {t('reissue.start')}
          </button>
        )}
      </div>
      <p className="muted small">{t('reissue.lead')}</p>
      {message !== null && !settled && <Notice kind={message.kind}>{message.text}</Notice>}
      {open && (
        <form onSubmit={submit} noValidate>
          <Field label={t('reissue.csr')} hint={t('form.csrHint')} errors={fields}>
            {(a) => <textarea {...a} className="mono" rows={7} spellCheck={false} value={csr} onChange={(e) => setCsr(e.target.value)} />}
          </Field>
          {decoded !== null && (
            <div className={`names-diff${changed ? ' names-diff--changed' : ''}`} role="status">
              {changed ? (
                <>
                  <strong>{t('reissue.changed')}</strong>
                  <ul className="chips">
                    {added.map((n) => (
                      <li key={`+${n}`} className="chip chip--added">
                        + {n}
                      </li>
                    ))}
                    {removed.map((n) => (
                      <li key={`-${n}`} className="chip chip--removed">
                        − {n}
                      </li>
                    ))}
                  </ul>
                  <p className="muted small">{t('reissue.changedHint')}</p>
                </>
              ) : (
                <span>{t('reissue.sameNames', { n: decoded.names.length })}</span>
              )}
            </div>
          )}
          <div className="actions">
            <button type="submit" className="button button--primary" disabled={busy || decoded === null}>
              {t('reissue.submit')}
            </button>
            <BackButton onClick={() => setOpen(false)} />
          </div>
        </form>
      )}
    </section>
  );
}

/** A short hash of a CSR (cyrb53), to name its reissue request; works without a secure context. */
function digest(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, '0') + (h1 >>> 0).toString(16).padStart(8, '0');
}
