import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, type OrderDetails, type OrderStatus } from '../api.js';
import { BackButton, Fact, Field, Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { OrderHead, OrderTimeline } from '../order-view.js';
import { productName, useProducts } from '../products.js';
import { Link } from '../router.js';
import { DocumentsCard } from './order/DocumentsCard.js';
import { ReissueCard } from './order/ReissueCard.js';
import { RevokeCard } from './order/RevokeCard.js';
import { endedByRevocation, SubscriptionCard } from './order/SubscriptionCard.js';

/** Statuses in which the order still moves on its own: the page follows it. */
const MOVING: ReadonlySet<OrderStatus> = new Set(['received', 'released', 'awaiting_validation']);
const FOLLOW_MS = 2000;
const FORMATS = ['pem', 'chain', 'full', 'pkcs7'] as const;

/** A reissue or renewal under way, or a revocation the CA has yet to confirm: the page follows these too. */
function inProgress(order: OrderDetails): boolean {
  const subscription = order.subscription;
  if (!subscription) return false;
  return subscription.pending.some((p) => p.status === 'pending') || subscription.certificates.some((c) => c.status === 'revoking');
}

/**
 * One order: status, hold notice, details, subscription, timeline, document requests and uploads,
 * approval resend, cancellation, downloads, reissue and revocation.
 */
export function OrderPage({ id }: { id: string }) {
  const { t, tr, money, dateTime } = useI18n();
  const [order, setOrder] = useState<OrderDetails | null>(null);
  const [missing, setMissing] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const products = useProducts();
  const [approvers, setApprovers] = useState<string[]>([]);
  const [approver, setApprover] = useState('');

  const load = useCallback(async () => {
    try {
      setOrder(await api<OrderDetails>('GET', `/v1/orders/${encodeURIComponent(id)}`));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    }
  }, [id]);

  useEffect(() => {
    setOrder(null);
    setMissing(false);
    void load();
  }, [load]);

  useEffect(() => {
    if (order === null || !(MOVING.has(order.status) || inProgress(order))) return;
    const timer = setTimeout(() => void load(), FOLLOW_MS);
    return () => clearTimeout(timer);
  }, [order, load]);

  const waiting = order?.status === 'awaiting_validation';
  const firstDomain = order?.domains[0];
  useEffect(() => {
    if (!waiting || firstDomain === undefined) return;
    const abort = new AbortController();
    api<{ emails: string[] }>('GET', `/v1/approver-emails?domain=${encodeURIComponent(firstDomain.replace(/^\*\./, ''))}`, { signal: abort.signal }).then(
      (r) => setApprovers(r.emails),
      () => undefined,
    );
    return () => abort.abort();
  }, [waiting, firstDomain]);
  useEffect(() => {
    if (order !== null) setApprover(order.approverEmail);
  }, [order?.approverEmail]);

  const act = async (work: () => Promise<OrderDetails>, success: (o: OrderDetails) => string) => {
    setBusy(true);
    setMessage(null);
    try {
      const updated = await work();
      setOrder(updated);
      setMessage({ kind: 'success', text: success(updated) });
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };

  if (missing) {
    return (
      <section className="empty-state">
        <h1>{t('order.notFound')}</h1>
        <p>{t('order.notFoundText')}</p>
        <Link className="button" href="/orders">
          {t('common.back')}
        </Link>
      </section>
    );
  }
  if (order === null) return message ? <Notice kind="error">{message.text}</Notice> : <Spinner label={t('common.loading')} />;

  const cancellableAt = order.cancellableAt === null ? null : new Date(order.cancellableAt);
  const canCancel = cancellableAt !== null && cancellableAt.getTime() <= Date.now();
  const base = `/v1/orders/${encodeURIComponent(order.id)}`;
  const certificates = order.subscription?.certificates ?? [];
  const latest = certificates[certificates.length - 1];

  return (
    <article className="order">
      <OrderHead order={order} listHref="/orders" />

      {order.hold !== null && <Notice kind="warning">{t(order.hold.by === 'platform' ? 'order.holdNotice' : 'order.supplierHoldNotice')}</Notice>}
      {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}

      <div className="order__grid">
        <div>
          {order.status === 'issued' && (
            <section className="card card--accent">
              <h2>{t('order.certificate')}</h2>
              {latest?.status === 'revoked' && latest.revokedAt !== null && (
                <Notice kind="warning">{t('order.revokedNotice', { date: dateTime(latest.revokedAt), reason: tr(`revoke.reason.${latest.revocationReason}`, latest.revocationReason ?? '') })}</Notice>
              )}
              {latest?.status === 'revoking' && <Notice kind="info">{t('order.revokingNotice', { reason: tr(`revoke.reason.${latest.revocationReason}`, latest.revocationReason ?? '') })}</Notice>}
              <ul className="downloads">
                {FORMATS.map((f) => (
                  <li key={f}>
                    <a className="button" href={`${base}/certificate?format=${f}`} download>
                      <span aria-hidden="true">↓</span> {t(`order.download.${f}`)}
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          )}

          {order.subscription && <SubscriptionCard subscription={order.subscription} />}

          {!order.product.startsWith('dv-') && <DocumentsCard orderId={order.id} onUploaded={() => void load()} />}

          <OrderTimeline events={order.events} />
        </div>

        <div>
          <section className="card">
            <h2>{t('order.facts')}</h2>
            <dl className="facts">
              <Fact label={t('order.product')}>{productName(products, order.product)}</Fact>
              <Fact label={t('order.term')}>{t('form.termMonths', { n: order.termMonths })}</Fact>
              <Fact label={t('form.domains')}>{order.domainDetails.map((d) => d.unicode).join(', ')}</Fact>
              <Fact label={t('order.price')}>{money(order.price.amount, order.price.currency)}</Fact>
              <Fact label={t('order.approver')}>{order.approverEmail}</Fact>
              <Fact label={t('order.contact')}>
                {order.adminContact.firstName} {order.adminContact.lastName}
                <br />
                <span className="muted">{order.adminContact.email}</span>
              </Fact>
              <Fact label={t('order.placed')}>{dateTime(order.createdAt)}</Fact>
              {order.releasedAt && <Fact label={t('order.released')}>{dateTime(order.releasedAt)}</Fact>}
            </dl>
          </section>

          {(order.status === 'awaiting_validation' || cancellableAt !== null) && (
            <section className="card">
              <h2>{t('order.actions')}</h2>
              <div className="actions">
                {order.status === 'awaiting_validation' && (
                  <div className="resend">
                    {approvers.length > 1 && (
                      <Field label={t('form.approver')}>
                        {(a) => (
                          <select {...a} value={approver} onChange={(e) => setApprover(e.target.value)}>
                            {[...new Set([order.approverEmail, ...approvers])].map((email) => (
                              <option key={email} value={email}>
                                {email}
                              </option>
                            ))}
                          </select>
                        )}
                      </Field>
                    )}
                    <button
                      type="button"
                      className="button"
                      disabled={busy}
                      onClick={() =>
                        void act(
                          () => api('POST', `${base}/approval-email`, { body: approver === order.approverEmail || approver === '' ? {} : { approverEmail: approver } }),
                          (o) => t('order.resent', { email: o.approverEmail }),
                        )
                      }
                    >
                      {t('order.resend')}
                    </button>
                  </div>
                )}
                {cancellableAt !== null && !canCancel && <p className="muted small">{t('order.cancelLater', { date: dateTime(cancellableAt.toISOString()) })}</p>}
                {canCancel && !confirming && (
                  <button type="button" className="button button--danger" disabled={busy} onClick={() => setConfirming(true)}>
                    {t('order.cancel')}
                  </button>
                )}
                {canCancel && confirming && (
                  <div className="confirm" role="group" aria-label={t('order.cancel')}>
                    <p>{t('order.cancelConfirm', { amount: money((order.cancellationRefund ?? order.price).amount, order.price.currency) })}</p>
                    <button type="button" className="button button--danger" disabled={busy} onClick={() => void act(() => api('POST', `${base}/cancel`, { body: {} }), () => t('order.cancelled'))}>
                      {t('order.cancel')}
                    </button>{' '}
                    <BackButton onClick={() => setConfirming(false)} />
                  </div>
                )}
              </div>
            </section>
          )}

          {order.status === 'issued' && (
            <>
              {!endedByRevocation(certificates) && <ReissueCard order={order} onRequested={() => void load()} />}
              <RevokeCard order={order} onRevoked={() => void load()} />
            </>
          )}
        </div>
      </div>
    </article>
  );
}
