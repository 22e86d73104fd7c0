/**
 * The public API, typed. Every error the API sends is {"error": {"code", "message", "details"}};
 * ApiError carries it so screens can show the message and mark the fields named in details.
 */
import { session } from './auth';
// The API's own types, from the domain code the functions run (type-only: nothing of it is bundled).
import type { Product, ProductInput } from '../../shared/catalog/product';
import type { ImportReport } from '../../shared/imports/import-job';
import type { CreatedImport } from '../../shared/imports/import-requests';
import type { Order, OrderLine } from '../../shared/orders/order';
import type { TrendingProduct } from '../../shared/clickstream/trending';
import type { ReportEntry, ReportWithDownloads } from '../../shared/reports/sales-report';

export type {
  CreatedImport,
  Order,
  OrderLine,
  Product,
  ProductInput,
  ReportEntry,
  ReportWithDownloads,
  TrendingProduct,
};
export type ImportJob = ImportReport;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(message);
  }

  /** Problems by field name without its `body.` prefix: {"priceCents": "Too small: ..."}. */
  fieldProblems(): Record<string, string> {
    if (!Array.isArray(this.details)) return {};
    return Object.fromEntries(
      (this.details as FieldProblem[])
        .filter((d) => typeof d?.field === 'string')
        .map((d) => [d.field.replace(/^(body|query|path)\./, ''), d.message]),
    );
  }
}

export function createApi(baseUrl: string) {
  async function call<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const token = session.get()?.token;
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'NETWORK', 'The shop cannot be reached. Check your connection and try again.', null);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
      if (response.status === 401) session.set(undefined);
      const message =
        error?.message ??
        (response.status === 401 ? 'Your session has ended. Sign in again.' : `The shop answered ${response.status}.`);
      throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', message, error?.details ?? null);
    }
    return json as T;
  }

  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params))
      if (value !== undefined && value !== '') search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : '';
  };
  const sku = (value: string) => encodeURIComponent(value);

  return {
    listProducts: (params: { category?: string; q?: string; cursor?: string; limit?: number }) =>
      call<Page<Product>>('GET', `/products${query(params)}`),
    getProduct: (id: string) => call<Product>('GET', `/products/${sku(id)}`),
    putProduct: (id: string, input: ProductInput) => call<Product>('PUT', `/products/${sku(id)}`, input),
    deleteProduct: (id: string) => call<unknown>('DELETE', `/products/${sku(id)}`),
    placeOrder: (lines: { sku: string; quantity: number }[], idempotencyKey: string) =>
      call<Order>('POST', '/orders', { lines }, { 'idempotency-key': idempotencyKey }),
    listOrders: (cursor?: string) => call<Page<Order>>('GET', `/orders${query({ cursor, limit: 10 })}`),
    getOrder: (orderId: string) => call<Order>('GET', `/orders/${encodeURIComponent(orderId)}`),
    createImport: (fileName: string, contentType: string) =>
      call<CreatedImport>('POST', '/imports', { fileName, contentType }),
    getImport: (importId: string) => call<ImportJob>('GET', `/imports/${encodeURIComponent(importId)}`),
    getTrending: (params: { minutes?: number; limit?: number }) =>
      call<{ items: TrendingProduct[] }>('GET', `/reports/trending${query(params)}`),
    listReports: () => call<{ items: ReportEntry[] }>('GET', '/reports'),
    getReport: (date: string) => call<ReportWithDownloads>('GET', `/reports/${encodeURIComponent(date)}`),
  };
}

export type Api = ReturnType<typeof createApi>;

/**
 * POST the file to S3 with the presigned form: straight to S3, never through a Lambda function.
 * S3 reads the fields first, then the file, which must come last.
 */
export async function uploadFile(created: CreatedImport, file: File): Promise<void> {
  const form = new FormData();
  for (const [name, value] of Object.entries(created.upload.fields)) form.append(name, value);
  form.append('file', file);
  let response: Response;
  try {
    response = await fetch(created.upload.url, { method: 'POST', body: form });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The upload could not reach storage. Try again.', null);
  }
  if (!response.ok) {
    // S3's own words, e.g. EntityTooLarge: "Your proposed upload exceeds the maximum allowed size".
    const xml = await response.text().catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
    throw new ApiError(
      response.status,
      code ?? 'UPLOAD_FAILED',
      `Storage refused the upload (${response.status}${message ? `: ${message}` : ''}).`,
      null,
    );
  }
}
