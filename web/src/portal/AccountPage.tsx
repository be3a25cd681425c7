import { useEffect, useState } from 'react';
import { api, type Account, type LedgerEntry, type Page, type Session } from '../api.js';
import { Spinner } from '../components.js';
import { useI18n } from '../i18n/index.js';
import { Link } from '../router.js';
import { UsersCard } from './UsersCard.js';

/** The reseller's money: balance, credit limit and the ledger, newest first. */
export function AccountPage({ session }: { session: Session }) {
  const { t, money, dateTime } = useI18n();
  const [account, setAccount] = useState<Account | null>(null);
  const [entries, setEntries] = useState<LedgerEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);

  useEffect(() => {
    void api<Account>('GET', '/v1/account').then(setAccount);
    void api<Page<LedgerEntry>>('GET', '/v1/account/ledger').then((page) => {
      setEntries(page.data);
      setNext(page.nextCursor);
    });
  }, []);

  const more = async () => {
    const page = await api<Page<LedgerEntry>>('GET', `/v1/account/ledger?cursor=${encodeURIComponent(next ?? '')}`);
    setEntries((e) => [...(e ?? []), ...page.data]);
    setNext(page.nextCursor);
  };

  if (account === null) return <Spinner label={t('common.loading')} />;
  return (
    <section>
      <div className="page-head">
        <h1>{t('account.title')}</h1>
        <p className="lead">
          {session.account.name} · <span className="mono">{account.id}</span>
        </p>
      </div>
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
      <div className="card">
        <h2>{t('account.ledger')}</h2>
        {entries === null ? (
          <Spinner label={t('common.loading')} />
        ) : entries.length === 0 ? (
          <p className="empty">{t('account.ledgerEmpty')}</p>
        ) : (
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
        {next !== null && (
          <div className="more">
            <button type="button" className="button" onClick={() => void more()}>
              {t('common.loadMore')}
            </button>
          </div>
        )}
      </div>
      {session.user.role === 'owner' && <UsersCard session={session} />}
    </section>
  );
}
