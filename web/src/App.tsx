import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, ApiError, setCsrfToken, whenSignedOut, type Session } from './api.js';
import { LanguageSwitch, Mark, Spinner } from './components.js';
import { Dashboard } from './console/Dashboard.js';
import { Holds } from './console/Holds.js';
import { Refunds } from './console/Refunds.js';
import { useI18n } from './i18n/index.js';
import { AccountPage } from './portal/AccountPage.js';
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
  if (path === '/account') return <AccountPage session={session} />;
  if (path === '/' || path === '/orders/new') return <OrderForm />;
  return <NotFound />;
}

function ConsoleRoutes({ path }: { path: string }) {
  if (path === '/console' || path === '/console/') return <Dashboard />;
  if (path === '/console/holds') return <Holds />;
  if (path === '/console/refunds') return <Refunds />;
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
          { href: '/console/holds', label: t('nav.holds'), active: path.startsWith('/console/holds') },
          { href: '/console/refunds', label: t('nav.refunds'), active: path.startsWith('/console/refunds') },
        ]
      : [
          { href: '/', label: t('nav.newOrder'), active: path === '/' || path === '/orders/new' },
          { href: '/orders', label: t('nav.orders'), active: path === '/orders' || (path.startsWith('/orders/') && path !== '/orders/new') },
          { href: '/account', label: t('nav.account'), active: path === '/account' },
        ];
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
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

