import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, whenSignedOut, type Session } from './api.js';
import { LanguageSwitch, Mark, Spinner } from './components.js';
import { CaDesk } from './console/CaDesk.js';
import { Dashboard } from './console/Dashboard.js';
import { DeadLetters } from './console/DeadLetters.js';
import { Holds } from './console/Holds.js';
import { MailLog } from './console/MailLog.js';
import { Refunds } from './console/Refunds.js';
import { Resellers } from './console/Resellers.js';
import { StaffOrder, StaffOrders } from './console/StaffOrders.js';
import { Suppliers } from './console/Suppliers.js';
import { useI18n } from './i18n/index.js';
import { ACCOUNT_SECTIONS, AccountPage, type AccountSection } from './portal/AccountPage.js';
import { OrderForm } from './portal/OrderForm.js';
import { OrderPage } from './portal/OrderPage.js';
import { OrdersList } from './portal/OrdersList.js';
import { SignIn } from './SignIn.js';
import { Link, useLocation } from './router.js';

type SessionState = { state: 'loading' } | { state: 'signed-out' } | { state: 'signed-in'; session: Session };

/** The portal (resellers, at `/`) and the console (staff, at `/console`): one app, two areas. */
export function App() {
  const { path } = useLocation();
  const area = path === '/console' || path.startsWith('/console/') ? 'console' : 'portal';
  const [session, setSession] = useState<SessionState>({ state: 'loading' });
  const { t } = useI18n();

  const signedIn = useCallback((s: Session) => {
    setCsrfToken(s.csrfToken);
    setSession({ state: 'signed-in', session: s });
  }, []);
  const signedOut = useCallback(() => {
    setCsrfToken(null);
    setSession({ state: 'signed-out' });
  }, []);

  useEffect(() => {
    whenSignedOut(signedOut);
    api<Session>('GET', '/v1/session').then(signedIn, (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) signedOut();
      else setSession({ state: 'signed-out' });
    });
  }, [signedIn, signedOut]);

  useEffect(() => {
    document.title = t(area === 'console' ? 'app.console' : 'app.portal');
  }, [area, t]);

  if (session.state === 'loading') return <Spinner label={t('common.loading')} />;
  const wanted = area === 'console' ? 'staff' : 'reseller';
  if (session.state === 'signed-out' || session.session.account.kind !== wanted) {
    const wrongArea = session.state === 'signed-in' ? session.session.account.kind : undefined;
    return <SignIn area={area} wrongArea={wrongArea} onSignedIn={signedIn} onSignOut={() => void signOut(signedOut)} />;
  }
  return (
    <Shell area={area} session={session.session} onSignOut={() => void signOut(signedOut)}>
      {area === 'console' ? <ConsoleRoutes path={path} /> : <PortalRoutes path={path} session={session.session} />}
    </Shell>
  );
}

async function signOut(done: () => void) {
  await api('DELETE', '/v1/session').catch(() => undefined);
  done();
}

function PortalRoutes({ path, session }: { path: string; session: Session }) {
  const order = /^\/orders\/([A-Za-z0-9_-]+)$/.exec(path);
  if (order) return <OrderPage id={order[1] as string} />;
  if (path === '/orders') return <OrdersList />;
  if (path === '/account') return <AccountPage session={session} section="overview" />;
  const section = /^\/account\/([a-z]+)$/.exec(path)?.[1];
  if (section !== undefined && (ACCOUNT_SECTIONS as readonly string[]).includes(section)) return <AccountPage session={session} section={section as AccountSection} />;
  if (path === '/' || path === '/orders/new') return <OrderForm />;
  return <NotFound />;
}

function ConsoleRoutes({ path }: { path: string }) {
  if (path === '/console' || path === '/console/') return <Dashboard />;
  if (path === '/console/holds') return <Holds />;
  if (path === '/console/refunds') return <Refunds />;
  if (path === '/console/resellers') return <Resellers />;
  if (path === '/console/orders') return <StaffOrders />;
  const order = /^\/console\/orders\/([A-Za-z0-9_-]+)$/.exec(path);
  if (order) return <StaffOrder id={order[1] as string} />;
  if (path === '/console/mail') return <MailLog />;
  if (path === '/console/jobs') return <DeadLetters />;
  if (path === '/console/suppliers') return <Suppliers />;
  if (path === '/console/ca-desk') return <CaDesk />;
  return <NotFound />;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <section className="empty-state">
      <h1>{t('common.notFound')}</h1>
      <p>{t('common.notFoundText')}</p>
    </section>
  );
}

function Shell({ area, session, onSignOut, children }: { area: 'portal' | 'console'; session: Session; onSignOut: () => void; children: ReactNode }) {
  const { t } = useI18n();
  const { path } = useLocation();
  const links =
    area === 'console'
      ? [
          { href: '/console', label: t('nav.dashboard'), active: path === '/console' || path === '/console/' },
          ...(['holds', 'refunds', 'resellers', 'orders', 'mail', 'jobs', 'suppliers', 'ca-desk'] as const).map((p) => ({
            href: `/console/${p}`,
            label: t(`nav.${p}`),
            active: path.startsWith(`/console/${p}`),
          })),
        ]
      : [
          { href: '/', label: t('nav.newOrder'), active: path === '/' || path === '/orders/new' },
          { href: '/orders', label: t('nav.orders'), active: path === '/orders' || (path.startsWith('/orders/') && path !== '/orders/new') },
          { href: '/account', label: t('nav.account'), active: path === '/account' || path.startsWith('/account/') },
        ];
  const navigation = (
    <nav aria-label={t(area === 'console' ? 'app.console' : 'app.portal')}>
      <ul>
        {links.map((l) => (
          <li key={l.href}>
            <Link href={l.href} aria-current={l.active ? 'page' : undefined}>
              {l.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
  return (
    <div className={`shell shell--${area}`}>
      <a className="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header className="topbar">
        <div className="topbar__inner">
          <Link className="brand" href={area === 'console' ? '/console' : '/'}>
            <Mark />
            <span>
              <strong>{area === 'portal' ? session.account.name : t('app.console')}</strong>
              {area === 'portal' && <small>{t('app.portal')}</small>}
            </span>
          </Link>
          {area === 'portal' && navigation}
          <div className="topbar__end">
            <LanguageSwitch />
            <span className="who" title={session.user.email}>
              {session.user.email}
            </span>
            <button type="button" className="button button--ghost" onClick={onSignOut}>
              {t('nav.signOut')}
            </button>
          </div>
        </div>
      </header>
      {area === 'console' ? (
        <div className="console-layout">
          <aside className="sidebar">{navigation}</aside>
          <main id="main" tabIndex={-1}>
            {children}
          </main>
        </div>
      ) : (
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      )}
    </div>
  );
}

