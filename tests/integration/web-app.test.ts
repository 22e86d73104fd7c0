/**
 * The web app in a real browser (Debian's headless Chromium, driven by playwright-core) against
 * the local stack: the page is served with the edge function's security headers, a shopper finds
 * a product and orders it, an admin imports a CSV and watches the job complete, and the deployed
 * sign-in (Cognito's hosted UI, code flow with PKCE) runs against a stand-in. Each step leaves
 * a screenshot in test-output/browser/; any console error or uncaught page error fails the test.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadCloudFrontFunction } from '../../infra/local/cloudfront-function';
import { loadServiceConfig, repoRoot } from '../../infra/service-config';
import { startWebServer } from '../../infra/local/web-server';
import { invokeFunction } from '../../infra/local/lambda/invoke';
import scheduleSample from '../fixtures/events/eventbridge-scheduled-event.json';
import { adminToken, api, closeDb, createProduct, db, orderCountFor, tokenFor, uniqueSku, until } from './helpers';

const webUrl = () => process.env.SHELF_TEST_WEB_URL!;
const screenshots = join(repoRoot, 'test-output', 'browser');
/** Debian's package (`.ci/run` installs it): npm's own browser downloads do not work everywhere. */
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let problems: string[];

beforeAll(async () => {
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // As root (CI) Chromium needs --no-sandbox; the rest keep it off the network it would call home on.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await closeDb();
});

beforeEach(async () => {
  context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await context.newPage();
  problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
});

afterEach(async () => {
  await context?.close();
  // Every test also proves the app ran without a console error (a CSP violation is one).
  expect(problems).toEqual([]);
});

/** A screenshot of the step, and axe-core's WCAG 2.1 A/AA checks of the page as it is. */
async function shot(name: string) {
  await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  expect(violations.map((v) => `${name}: ${v.id} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

async function signIn(role: 'shopper' | 'admin', userId: string) {
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sign in (local stack only)' }).waitFor();
  await page.getByLabel(role === 'admin' ? /^Admin/ : /^Shopper/).check();
  await shot(`01-sign-in-${role}`);
  await page.getByLabel('User id').fill(userId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`${userId}@example.com`).waitFor();
}

it('serves the app with the same security headers the Lambda@Edge function adds', async () => {
  const response = await page.goto(`${webUrl()}/orders`);
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(headers['content-security-policy']).toContain(`connect-src 'self' ${process.env.SHELF_TEST_API_URL}`);
  expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
  expect(headers['permissions-policy']).toContain('camera=()');
  // A client route (/orders) is the app itself: the SPA fallback, as CloudFront's error responses give.
  await page.getByRole('heading', { name: 'Sign in first' }).waitFor();
  await shot('00-client-route-needs-sign-in');
});

it('fits a phone’s screen: no sideways scrolling, every control reachable', async () => {
  await page.setViewportSize({ width: 375, height: 740 });
  await page.goto(webUrl());
  await page.getByRole('list', { name: 'Products' }).waitFor();
  // Runs in the page; written as a string so this Node-typed file needs no DOM types.
  const [contentWidth, viewportWidth] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, window.innerWidth]',
  );
  expect(contentWidth).toBeLessThanOrEqual(viewportWidth);
  await shot('05-catalog-on-a-phone');
  await page.goto(`${webUrl()}/cart`);
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await shot('06-cart-on-a-phone');
});

it('pages through a category a dozen products at a time with "Load more"', async () => {
  const category = `paging-${randomUUID().slice(0, 6)}`;
  const skus = Array.from({ length: 13 }, () => uniqueSku('WEBPAGE'));
  for (const sku of skus) await createProduct(sku, { category });

  await page.goto(`${webUrl()}/?category=${category}`);
  const cards = page.getByRole('list', { name: 'Products' }).getByRole('listitem');
  await page.getByRole('button', { name: 'Load more' }).waitFor();
  expect(await cards.count()).toBe(12);
  expect(await page.getByLabel('Category').inputValue()).toBe(category);
  await page.getByRole('button', { name: 'Load more' }).click();
  await cards.nth(12).waitFor();
  expect(await cards.count()).toBe(13);
  // The last page: no button any more.
  expect(await page.getByRole('button', { name: /Load more|Loading/ }).count()).toBe(0);
  const shown = await page.locator('.card .sku').allTextContents();
  expect([...shown].sort()).toEqual([...skus].sort());
});

it('lets a new shopper sign up, confirm with the mailed code, and order as that customer', async () => {
  const sku = uniqueSku('WEBSIGNUP');
  await createProduct(sku, { name: 'Sign-up teapot', category: 'brewing', priceCents: 3000, stock: 2 });
  const email = `new-shopper-${randomUUID().slice(0, 8)}@example.com`;

  await page.goto(`${webUrl()}/products/${sku}`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('link', { name: /^Cart/ }).click();
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Sign up', exact: true }).click();
  await page.getByRole('heading', { name: 'Sign up' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill('Correct-Horse-12');
  await shot('05-sign-up');
  await page.getByRole('button', { name: 'Sign up', exact: true }).click();

  // The code Cognito mails (the local user pool sends it through the local SES).
  await page.getByText(`We mailed a confirmation code to ${email}`).waitFor();
  const code = await until('the confirmation code', async () => {
    const { emails } = (await (await fetch(`${process.env.SHELF_TEST_SES_URL}/store`)).json()) as {
      emails: { destination: { to: string[] }; body: { text: string } }[];
    };
    const mail = emails.find((e) => e.destination.to.includes(email));
    return /verification code is (\d{6})/.exec(mail?.body.text ?? '')?.[1];
  });
  await page.getByLabel('Confirmation code').fill(code);
  await shot('06-sign-up-code');
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();

  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await page.getByText(email).waitFor();
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByRole('heading', { name: 'My orders' }).waitFor();

  // The customer row the post confirmation trigger wrote, and the order filed under it.
  const { rows } = await db().query<{ customer_id: string }>('SELECT customer_id FROM customers WHERE email = $1', [
    email,
  ]);
  expect(rows).toHaveLength(1);
  expect(await orderCountFor(rows[0]!.customer_id)).toBe(1);
});

it('lets a shopper find a product, order it, and see the order in "my orders"', async () => {
  const word = `kettle${randomUUID().slice(0, 6)}`;
  const sku = uniqueSku('WEB');
  await createProduct(sku, { name: `Gooseneck ${word}`, category: 'brewing', priceCents: 4250, stock: 5 });
  const shopper = `web-shopper-${randomUUID().slice(0, 8)}`;

  await page.goto(webUrl());
  await page.getByRole('list', { name: 'Products' }).waitFor();
  await shot('10-catalog');

  await page.getByLabel('Search products').fill(word);
  await page.getByRole('button', { name: 'Search' }).click();
  const card = page.getByRole('listitem').filter({ hasText: `Gooseneck ${word}` });
  await card.waitFor();
  expect(await page.getByRole('list', { name: 'Products' }).getByRole('listitem').count()).toBe(1);
  await shot('11-search-result');

  await card.getByRole('link', { name: `Gooseneck ${word}` }).click();
  await page.getByRole('heading', { name: `Gooseneck ${word}` }).waitFor();
  await page.getByText('5 in stock').waitFor();
  await page.getByLabel('Quantity').fill('2');
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText('Added 2 to your cart').waitFor();
  await shot('12-product-added');

  await page.getByRole('link', { name: /^Cart/ }).click();
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await page.getByText('Total: €85.00').waitFor();
  await signIn('shopper', shopper);
  await page.getByRole('heading', { name: 'Your cart' }).waitFor();
  await shot('13-cart-signed-in');

  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByRole('heading', { name: 'My orders' }).waitFor();
  await page.getByText('Thank you: your order is placed.').waitFor();
  const order = page.getByRole('list', { name: 'Orders, newest first' }).getByRole('listitem').first();
  await order.getByText(`2 × Gooseneck ${word} (${sku})`).waitFor();
  await shot('14-my-orders');
  // The fulfilment workflow takes it on to SHIPPED (lab 17); the page follows it there.
  await order.getByText('SHIPPED', { exact: true }).waitFor({ timeout: 30_000 });
  await order.getByText(/^Shipped: tracking id SIM[0-9A-F]{12}$/).waitFor();
  await shot('14b-my-orders-shipped');

  // Its confirmation: mailed to the shopper's address, readable in the local mailbox the notice links.
  await page.getByText(`Its confirmation is on its way to ${shopper}@example.com`).waitFor();
  const mailbox = await page.getByRole('link', { name: 'mailbox' }).getAttribute('href');
  expect(mailbox).toBe(`${process.env.SHELF_TEST_SES_URL}/`);
  const mail = await until('the confirmation mail', async () => {
    const { emails } = (await (await fetch(`${mailbox}store`)).json()) as {
      emails: { destination: { to: string[] }; body: { text: string } }[];
    };
    return emails.find((e) => e.destination.to.includes(`${shopper}@example.com`));
  });
  expect(mail.body.text).toContain('Total: €85.00');

  // The data behind the screen: one order for this shopper, and the stock it took.
  expect(await orderCountFor(shopper)).toBe(1);
  const product = await api('GET', `/products/${sku}`);
  expect(product.body.stock).toBe(3);
  // The cart is empty once the order is placed.
  await page.getByRole('link', { name: /^Cart/ }).click();
  await page.getByText('Your cart is empty.').waitFor();
});

it('counts the product pages a shopper opens and their add-to-carts, and shows the most viewed under "Trending"', async () => {
  const sku = uniqueSku('WEBTREND');
  const name = `Trending teapot ${randomUUID().slice(0, 6)}`;
  await createProduct(sku, { name, stock: 5 });

  // Four visits of the product page, each a page load: leaving one sends what it recorded.
  for (let visit = 0; visit < 4; visit++) {
    await page.goto(`${webUrl()}/products/${sku}`);
    await page.getByRole('heading', { name }).waitFor();
  }
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByText(/Added 1 to your cart/).waitFor();
  await page.goto(webUrl());

  // Through POST /events, Kinesis and the aggregator's tumbling windows: each click once.
  const counted = await until('the visits in GET /reports/trending', async () => {
    const { body } = await api<{ items: { sku: string; views: number; addToCarts: number }[] }>(
      'GET',
      '/reports/trending?minutes=10&limit=50',
    );
    const item = body.items.find((entry) => entry.sku === sku);
    return item && item.views >= 4 && item.addToCarts >= 1 ? item : undefined;
  });
  expect(counted).toEqual({ sku, name, views: 4, addToCarts: 1 });

  // The browser keeps GET /reports/trending for 30 s (its Cache-Control): the catalog page loaded
  // above asked before the window closed. A shopper would see the product half a minute later.
  await (await context.newCDPSession(page)).send('Network.clearBrowserCache');
  await page.reload();
  await page.getByRole('region', { name: 'Trending' }).getByText(name).waitFor();
  await shot('15-trending');
});

it('shows the API’s own message when stock runs out between cart and checkout, and orders nothing', async () => {
  const sku = uniqueSku('WEB');
  await createProduct(sku, { name: 'Last teapot', priceCents: 3000, stock: 1 });
  const shopper = `web-shopper-${randomUUID().slice(0, 8)}`;

  await page.goto(`${webUrl()}/products/${sku}`);
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.goto(`${webUrl()}/cart`);
  await signIn('shopper', shopper);
  // Someone else takes the last one.
  await createProduct(sku, { name: 'Last teapot', priceCents: 3000, stock: 0 });

  await page.getByRole('button', { name: 'Place order' }).click();
  await page.getByRole('alert').getByText(`Not enough stock for ${sku}`).waitFor();
  await page.getByText('Sold out').waitFor();
  await shot('15-out-of-stock');
  expect(await orderCountFor(shopper)).toBe(0);
  // A 409 is the API's answer, not a failure of the page: Chromium still logs the failed fetch.
  problems = problems.filter((p) => !p.includes('status of 409'));
});

it('lets an admin edit a product, showing the API’s field errors until the input is valid', async () => {
  const sku = uniqueSku('WEB');
  await createProduct(sku, { name: 'Plain jug', category: 'tableware', priceCents: 1500, stock: 2 });

  await page.goto(`${webUrl()}/products/${sku}`);
  await signIn('admin', `web-admin-${randomUUID().slice(0, 8)}`);
  await page.getByRole('link', { name: 'Edit this product' }).click();
  await page.getByRole('heading', { name: `Edit ${sku}` }).waitFor();
  expect(await page.getByLabel('Price').inputValue()).toBe('15.00');

  await page.getByLabel('Category').fill('Not a category!');
  await page.getByLabel('Price').fill('19.90');
  await page.getByRole('button', { name: 'Save product' }).click();
  await page.getByRole('alert').getByText('Invalid body.category').waitFor();
  // The field the API named is marked and explained where it is.
  expect(await page.getByLabel('Category').getAttribute('aria-invalid')).toBe('true');
  await page.getByText('must be 1-60 lowercase letters, digits or dashes').waitFor();
  await shot('30-product-field-error');
  expect((await api('GET', `/products/${sku}`)).body).toMatchObject({ category: 'tableware', priceCents: 1500 });

  await page.getByLabel('Category').fill('jugs');
  await page.getByRole('button', { name: 'Save product' }).click();
  await page.getByRole('heading', { name: 'Plain jug' }).waitFor();
  await page.getByText('€19.90').waitFor();
  await shot('31-product-saved');
  expect((await api('GET', `/products/${sku}`)).body).toMatchObject({ category: 'jugs', priceCents: 1990, stock: 2 });
  // The 400 was the API's answer to bad input, which the page showed; Chromium logs it anyway.
  problems = problems.filter((p) => !p.includes('status of 400'));
});

it('lets an admin upload a catalog CSV and watch the import complete with the right counts', async () => {
  const [good1, good2, bad] = [uniqueSku('WEBIMP'), uniqueSku('WEBIMP'), uniqueSku('WEBIMP')];
  const csv = [
    'sku,name,description,category,price,currency,stock',
    `${good1},Imported mug,"Stoneware, 300 ml",tableware,12.50,EUR,4`,
    `${good2},Imported spoon,,tableware,3,EUR,10`,
    `${bad},Bad price,,tableware,12.345,EUR,1`,
  ].join('\n');

  await page.goto(webUrl());
  await signIn('admin', `web-admin-${randomUUID().slice(0, 8)}`);
  await page.getByRole('link', { name: 'Import catalog' }).click();
  await page.getByRole('heading', { name: 'Import a catalog file' }).waitFor();
  await page.getByLabel('Catalog file').setInputFiles({
    name: 'web-import.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(csv),
  });
  await shot('20-import-chosen');
  // The file goes straight to S3, as the presigned POST's form (fields, then the file).
  const toS3: { method: string; type?: string }[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(process.env.SHELF_TEST_S3_URL!)) {
      toS3.push({ method: request.method(), type: request.headers()['content-type'] });
    }
  });
  await page.getByRole('button', { name: 'Upload and import' }).click();

  await page.getByRole('heading', { name: 'Import of web-import.csv' }).waitFor();
  expect(toS3).toEqual([{ method: 'POST', type: expect.stringMatching(/^multipart\/form-data; boundary=/) }]);
  await page.locator('[data-status="COMPLETED"]').waitFor({ timeout: 60_000 });
  expect(await page.locator('[data-count="rowsRead"]').textContent()).toBe('3');
  expect(await page.locator('[data-count="rowsRejected"]').textContent()).toBe('1');
  expect(await page.locator('[data-count="rowsLoaded"]').textContent()).toBe('2');
  const report = page.getByRole('link', { name: 'Download the rejects report' });
  await report.waitFor();
  await shot('21-import-completed');

  // The rejects report behind the link names the bad row; the good rows are in the catalog.
  const rejects = await fetch((await report.getAttribute('href'))!);
  expect(rejects.status).toBe(200);
  const rejected = parse<Record<string, string>>(await rejects.text(), { columns: true });
  expect(rejected).toEqual([expect.objectContaining({ row: '3', sku: bad, price: '12.345' })]);
  expect(rejected[0]!.reason).toMatch(/price "12\.345"/);
  const mug = await api('GET', `/products/${good1}`);
  expect(mug.body).toMatchObject({ name: 'Imported mug', priceCents: 1250, stock: 4 });

  // The import job's page id is the API's job: same counts there.
  const importId = page.url().split('/').at(-1)!;
  const job = await api('GET', `/imports/${importId}`, { token: adminToken() });
  expect(job.body).toMatchObject({ status: 'COMPLETED', rowsRead: 3, rowsRejected: 1, rowsLoaded: 2 });
});

it('shows an admin the sales reports: the list, a day’s figures with its chart, and a CSV to download', async () => {
  // A day of its own, far in the past, with one order in PostgreSQL, built by the nightly function.
  const day = new Date(Date.UTC(1990, 0, 1) + Math.floor(Math.random() * 3650) * 86_400_000).toISOString().slice(0, 10);
  const sku = uniqueSku('WEBRPT');
  await createProduct(sku, { name: 'Report teapot', category: 'tableware', priceCents: 2_500, currency: 'EUR' });
  const orderId = randomUUID();
  await db().query(`DELETE FROM orders WHERE created_at >= $1::date AND created_at < $1::date + 1`, [day]);
  await db().query(
    `INSERT INTO orders (order_id, customer_id, status, currency, total_cents, created_at)
     VALUES ($1, 'web-report', 'PLACED', 'EUR', 7500, $2)`,
    [orderId, `${day}T09:30:00Z`],
  );
  await db().query(
    `INSERT INTO order_lines (order_id, line_no, sku, name, unit_price_cents, quantity)
     VALUES ($1, 1, $2, 'Report teapot', 2500, 3)`,
    [orderId, sku],
  );
  const built = await invokeFunction(process.env.SHELF_TEST_LAMBDA_URL!, 'shelf-local-buildSalesReport', {
    ...structuredClone(scheduleSample),
    detail: { date: day },
  });
  expect(built.payload).toMatchObject({ date: day, orders: 1 });

  await page.goto(webUrl());
  await signIn('admin', `web-admin-${randomUUID().slice(0, 8)}`);
  await page.getByRole('link', { name: 'Reports' }).click();
  await page.getByRole('heading', { name: 'Sales reports' }).waitFor();
  await page.getByRole('link', { name: `Sales on ${day}` }).click();
  await page.getByRole('heading', { name: `Sales on ${day}` }).waitFor();

  const chart = page.getByRole('img', { name: 'Top products by units sold' });
  await chart.waitFor();
  await expect(chart.locator('[data-bar="Report teapot (EUR)"]').textContent()).resolves.toContain('3 · €75.00');
  await expect(page.getByRole('table', { name: 'Revenue per category' }).textContent()).resolves.toContain(
    'tableware3€75.00',
  );
  await shot('30-sales-report');

  // The download link is S3's, signed: the CSV behind it holds the day's order.
  const csv = await fetch((await page.getByRole('link', { name: 'Download the CSV' }).getAttribute('href'))!);
  expect(csv.status).toBe(200);
  expect(parse<Record<string, string>>(await csv.text(), { columns: true })).toEqual([
    {
      date: day,
      sku,
      name: 'Report teapot',
      category: 'tableware',
      currency: 'EUR',
      orders: '1',
      units: '3',
      revenue_cents: '7500',
    },
  ]);
});

it('signs in through an OAuth server shaped like Cognito’s hosted UI: code flow with PKCE, then signs out', async () => {
  // Cognito's hosted UI, as far as the app uses it: /oauth2/authorize redirects back with a code,
  // /oauth2/token trades it (checking the PKCE verifier) for an ID token, /logout redirects.
  const clientId = 'shelf-web-client';
  const userId = `hosted-${randomUUID().slice(0, 8)}`;
  const pending = new Map<string, { challenge: string; redirectUri: string }>();
  const tokenRequests: URLSearchParams[] = [];
  const hostedUi = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/oauth2/authorize') {
      const q = url.searchParams;
      expect([q.get('response_type'), q.get('client_id'), q.get('code_challenge_method')]).toEqual([
        'code',
        clientId,
        'S256',
      ]);
      const code = randomUUID();
      pending.set(code, { challenge: q.get('code_challenge')!, redirectUri: q.get('redirect_uri')! });
      res.writeHead(302, { location: `${q.get('redirect_uri')}?code=${code}&state=${q.get('state')}` }).end();
      return;
    }
    if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        tokenRequests.push(form);
        const grant = pending.get(form.get('code') ?? '');
        pending.delete(form.get('code') ?? '');
        const verified =
          grant !== undefined &&
          form.get('grant_type') === 'authorization_code' &&
          form.get('client_id') === clientId &&
          form.get('redirect_uri') === grant.redirectUri &&
          createHash('sha256')
            .update(form.get('code_verifier') ?? '')
            .digest('base64url') === grant.challenge;
        res.writeHead(verified ? 200 : 400, {
          'content-type': 'application/json',
          'access-control-allow-origin': '*',
        });
        res.end(
          JSON.stringify(
            verified
              ? {
                  id_token: tokenFor('shopper', userId),
                  access_token: 'unused',
                  token_type: 'Bearer',
                  expires_in: 3600,
                }
              : { error: 'invalid_grant' },
          ),
        );
      });
      return;
    }
    if (url.pathname === '/logout') {
      res.writeHead(302, { location: url.searchParams.get('logout_uri')! }).end();
      return;
    }
    res.writeHead(404).end();
  });
  hostedUi.listen(0, '127.0.0.1');
  await once(hostedUi, 'listening');
  const domain = `http://127.0.0.1:${(hostedUi.address() as AddressInfo).port}`;

  // The same build and routing as the stack's web server, with the deployed kind of sign-in, on
  // the port the stack's CORS rules let call the API (global-setup.ts).
  const { resources } = await loadServiceConfig('local');
  const web = await startWebServer({
    port: Number(process.env.SHELF_TEST_SIGN_IN_WEB_PORT),
    root: join(process.env.SHELF_TEST_DATA_DIR!, 'web'),
    apiUrl: process.env.SHELF_TEST_API_URL!,
    s3Endpoint: process.env.SHELF_TEST_S3_URL!,
    viewerRequest: loadCloudFrontFunction(resources.Resources.WebRouteFunction!.Properties!.FunctionCode as string),
    auth: { mode: 'cognito', domain, clientId },
  });
  try {
    await page.goto(`${web.url}/orders`);
    await page.getByRole('link', { name: 'Sign in' }).first().click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor();
    await shot('40-hosted-ui-sign-in');
    await page.getByRole('button', { name: 'Continue to sign in' }).click();
    // Off to the hosted UI and back to /auth/callback, then to where the shopper was going.
    await page.getByRole('heading', { name: 'My orders' }).waitFor();
    await page.getByText(`${userId}@example.com`).waitFor();
    await page.getByText('You have not ordered anything yet.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/orders');
    expect(tokenRequests).toHaveLength(1);
    await shot('41-hosted-ui-signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('banner').getByRole('link', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/');
  } finally {
    await web.stop();
    hostedUi.close();
  }
});
