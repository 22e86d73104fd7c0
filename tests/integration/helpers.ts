/**
 * Talking to the local stack the way a client would (HTTP + tokens from the local issuer), and
 * looking at PostgreSQL directly to check what was, and was not, written.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { Role } from '../../shared/auth/caller';
import { signToken } from '../../infra/local/local-issuer';

export const apiUrl = () => process.env.SHELF_TEST_API_URL!;

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  /** Another stack's API (the outage tests' own); the integration stack's by default. */
  baseUrl?: string;
  token?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function api<T = any>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(`${options.baseUrl ?? apiUrl()}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON; keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

export const tokenFor = (role: Role, sub: string = `${role}-${randomUUID()}`) => signToken({ sub, role });

/** A SKU no other test uses. */
export const uniqueSku = (prefix = 'IT') => `${prefix}-${randomUUID().slice(0, 8).toUpperCase()}`;

let pool: Pool | undefined;
export function db(): Pool {
  pool ??= new Pool({ connectionString: process.env.SHELF_TEST_DATABASE_URL, max: 2 });
  return pool;
}
export async function closeDb(): Promise<void> {
  await pool?.end();
  pool = undefined;
}

export async function stockOf(sku: string): Promise<number | undefined> {
  const { rows } = await db().query<{ stock: number }>('SELECT stock FROM products WHERE sku = $1', [sku]);
  return rows[0]?.stock;
}

export async function orderCountFor(customerId: string): Promise<number> {
  const { rows } = await db().query<{ n: string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [
    customerId,
  ]);
  return Number(rows[0]!.n);
}

export const adminToken = () => tokenFor('admin', 'it-admin');

export async function createProduct(
  sku: string,
  fields: Partial<{
    name: string;
    description: string;
    category: string;
    priceCents: number;
    currency: string;
    stock: number;
  }> = {},
) {
  const response = await api('PUT', `/products/${sku}`, {
    token: adminToken(),
    body: {
      name: `Product ${sku}`,
      description: 'made by a test',
      category: 'it',
      priceCents: 500,
      currency: 'EUR',
      stock: 10,
      ...fields,
    },
  });
  if (response.status !== 200)
    throw new Error(`PUT /products/${sku} answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as { sku: string; stock: number; version: number };
}

/** Polls `check` until it returns something other than undefined; fails after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** S3's form upload (the presigned POST of POST /imports): the fields, then the file, last. */
export function postForm(url: string, fields: Record<string, string>, content: Buffer | string, type = 'text/csv') {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append('file', new Blob([typeof content === 'string' ? content : new Uint8Array(content)], { type }), 'upload');
  return fetch(url, { method: 'POST', body: form });
}
