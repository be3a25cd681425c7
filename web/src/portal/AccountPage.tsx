import { useEffect, useState } from 'react';
import { api, type Account, type LedgerEntry, type Session } from '../api.js';
import { Notice, Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { LoadedList, LoadMore, usePages } from '../paging.js';
import { Link } from '../router.js';
import { ApiKeysCard } from './account/ApiKeysCard.js';
import { BrandingCard } from './account/BrandingCard.js';
import { SettingsCard } from './account/SettingsCard.js';
import { WebhookCard } from './account/WebhookCard.js';
import { UsersCard } from './UsersCard.js';

export const ACCOUNT_SECTIONS = ['overview', 'branding', 'api', 'settings'] as const;
export type AccountSection = (typeof ACCOUNT_SECTIONS)[number];

/** The reseller's account: money (balance and ledger), branding, API access and webhooks, settings and people. */
export function AccountPage({ session, section }: { session: Session; section: AccountSection }) {
  const { t, money } = useI18n();
  const [account, setAccount] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    api<Account>('GET', '/v1/account').then(setAccount, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  if (account === null) return error === null ? <Spinner label={t('common.loading')} /> : <Notice kind="error">{error}</Notice>;
  return (
    <section>
      <div className="page-head">
        <h1>{t('account.title')}</h1>
        <p className="lead">
          {session.account.name} · <span className="mono">{account.id}</span>
        </p>
      </div>
      <nav className="tabs" aria-label={t('account.sections')}>
        {ACCOUNT_SECTIONS.map((s) => (
          <Link key={s} href={s === 'overview' ? '/account' : `/account/${s}`} aria-current={s === section ? 'page' : undefined}>
            {t(`account.tab.${s}`)}
          </Link>
        ))}
      </nav>
      {section === 'overview' && (
        <>
          <div className="stats">
            <div className="stat stat--primary">
              <span>{t('account.balance')}</span>
              <strong data-testid="balance">{money(account.balance.amount, account.balance.currency)}</strong>
            </div>
            <div className="stat">
              <span>{t('account.creditLimit')}</span>
              <strong>{money(account.creditLimit.amount, account.creditLimit.currency)}</strong>
            </div>
            <div className="stat">
              <span>{t('account.available')}</span>
              <strong>{money(account.available.amount, account.available.currency)}</strong>
            </div>
          </div>
          <Ledger />
        </>
      )}
      {section === 'branding' && <BrandingCard account={account} onSaved={setAccount} />}
      {section === 'api' && (
        <>
          <ApiKeysCard />
          <WebhookCard />
        </>
      )}
      {section === 'settings' && (
        <>
          <SettingsCard account={account} onSaved={setAccount} />
          {session.user.role === 'owner' && <UsersCard session={session} />}
        </>
      )}
    </section>
  );
}

/** The ledger, newest first. */
function Ledger() {
  const { t, money, dateTime } = useI18n();
  const pages = usePages<LedgerEntry>((cursor) => `/v1/account/ledger${cursor === null ? '' : `?cursor=${encodeURIComponent(cursor)}`}`, []);
  return (
    <div className="card">
      <h2>{t('account.ledger')}</h2>
      {pages.error !== null && <Notice kind="error">{t('common.error', { message: pages.error })}</Notice>}
      <LoadedList list={pages} empty={<p className="empty">{t('account.ledgerEmpty')}</p>}>
        {(entries) => (
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('ledger.date')}</th>
                <th scope="col">{t('ledger.kind')}</th>
                <th scope="col">{t('ledger.detail')}</th>
                <th scope="col" className="num">
                  {t('ledger.amount')}
                </th>
                <th scope="col" className="num">
                  {t('ledger.balanceAfter')}
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-kind={e.kind}>
                  <td>{dateTime(e.createdAt)}</td>
                  <td>
                    <span className={`kind kind--${e.kind}`}>{t(`ledger.${e.kind}`)}</span>
                  </td>
                  <td>
                    {e.orderId ? (
                      <Link className="mono" href={`/orders/${e.orderId}`}>
                        {e.orderId}
                      </Link>
                    ) : (
                      <span className="muted">{e.reference}</span>
                    )}
                    {e.note && <div className="muted small">{e.note}</div>}
                  </td>
                  <td className={`num ${e.amount.amount < 0 ? 'negative' : 'positive'}`}>
                    {e.amount.amount > 0 ? '+' : ''}
                    {money(e.amount.amount, e.amount.currency)}
                  </td>
                  <td className="num">{money(e.balanceAfter.amount, e.balanceAfter.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedList>
      <LoadMore pages={pages} />
    </div>
  );
}
