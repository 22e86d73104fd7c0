/** The frame (header, navigation, main) and the route table. */
import { useEffect, useRef } from 'preact/hooks';
import { session, signOut } from './auth';
import { cart } from './cart';
import { useShop } from './context';
import { AuthCallbackPage } from './pages/auth-callback-page';
import { CartPage } from './pages/cart-page';
import { CatalogPage } from './pages/catalog-page';
import { ImportJobPage } from './pages/import-job-page';
import { ImportPage } from './pages/import-page';
import { OrdersPage } from './pages/orders-page';
import { ProductEditorPage } from './pages/product-editor-page';
import { ProductPage } from './pages/product-page';
import { ReportPage } from './pages/report-page';
import { ReportsPage } from './pages/reports-page';
import { SignInPage } from './pages/sign-in-page';
import { SignUpPage } from './pages/sign-up-page';
import { match, navigate, onLinkClick, useLocation, type Location } from './router';
import { useStore } from './store';
import { PageTitle, RequireRole } from './ui';

function Route({ location }: { location: Location }) {
  const { path, query } = location;
  let params: Record<string, string> | undefined;
  if (path === '/') return <CatalogPage query={query} />;
  if ((params = match('/products/:sku', path))) return <ProductPage sku={params.sku!} />;
  if (path === '/cart') return <CartPage />;
  if (path === '/orders')
    return (
      <RequireRole roles={['shopper', 'admin']}>
        <OrdersPage />
      </RequireRole>
    );
  if (path === '/admin/products/new')
    return (
      <RequireRole roles={['admin']}>
        <ProductEditorPage />
      </RequireRole>
    );
  if ((params = match('/admin/products/:sku', path)))
    return (
      <RequireRole roles={['admin']}>
        <ProductEditorPage sku={params.sku} />
      </RequireRole>
    );
  if (path === '/admin/imports')
    return (
      <RequireRole roles={['admin']}>
        <ImportPage />
      </RequireRole>
    );
  if ((params = match('/admin/imports/:importId', path)))
    return (
      <RequireRole roles={['admin']}>
        <ImportJobPage importId={params.importId!} />
      </RequireRole>
    );
  if (path === '/admin/reports')
    return (
      <RequireRole roles={['admin']}>
        <ReportsPage />
      </RequireRole>
    );
  if ((params = match('/admin/reports/:date', path)))
    return (
      <RequireRole roles={['admin']}>
        <ReportPage date={params.date!} />
      </RequireRole>
    );
  if (path === '/sign-in') return <SignInPage returnTo={query.get('returnTo') ?? '/'} />;
  if (path === '/sign-up') return <SignUpPage returnTo={query.get('returnTo') ?? '/'} />;
  if (path === '/auth/callback') return <AuthCallbackPage query={query} />;
  return (
    <section>
      <PageTitle>Page not found</PageTitle>
      <p>
        There is nothing at this address. <a href="/">Back to the catalog</a>
      </p>
    </section>
  );
}

export function App() {
  const { config } = useShop();
  const location = useLocation();
  const user = useStore(session);
  const lines = useStore(cart);
  const itemCount = lines.reduce((sum, line) => sum + line.quantity, 0);
  const firstRender = useRef(true);

  useEffect(() => {
    // After a client-side navigation, focus the new page's heading (not on the first load).
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [location.path]);

  return (
    <div class="shell" onClick={onLinkClick}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="site-header">
        <a class="brand" href="/">
          Shelf
        </a>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href="/" aria-current={location.path === '/' ? 'page' : undefined}>
                Catalog
              </a>
            </li>
            <li>
              <a href="/cart" aria-current={location.path === '/cart' ? 'page' : undefined}>
                Cart{itemCount > 0 && <span class="badge"> ({itemCount})</span>}
              </a>
            </li>
            {user && (
              <li>
                <a href="/orders" aria-current={location.path === '/orders' ? 'page' : undefined}>
                  My orders
                </a>
              </li>
            )}
            {user?.role === 'admin' && (
              <>
                <li>
                  <a href="/admin/products/new">New product</a>
                </li>
                <li>
                  <a
                    href="/admin/imports"
                    aria-current={location.path.startsWith('/admin/imports') ? 'page' : undefined}
                  >
                    Import catalog
                  </a>
                </li>
                <li>
                  <a
                    href="/admin/reports"
                    aria-current={location.path.startsWith('/admin/reports') ? 'page' : undefined}
                  >
                    Reports
                  </a>
                </li>
              </>
            )}
          </ul>
        </nav>
        <div class="account">
          {user ? (
            <>
              <span class="who">
                {user.email} <span class="role">({user.role})</span>
              </span>
              <button
                type="button"
                class="link-button"
                onClick={() => {
                  signOut(config.auth);
                  navigate('/');
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <a href={`/sign-in?returnTo=${encodeURIComponent(location.path + window.location.search)}`}>Sign in</a>
          )}
        </div>
      </header>
      {config.auth.mode === 'local' && (
        <p class="local-banner">Local stack: sign-in here is for development only and is not Cognito.</p>
      )}
      <main id="main">
        <Route location={location} />
      </main>
      <footer class="site-footer">
        <p>Shelf: a reference serverless shop on AWS Lambda.</p>
      </footer>
    </div>
  );
}
