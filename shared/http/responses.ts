/** What a route returns: a status code and a JSON body. */
export interface HttpResponse {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const ok = (body: unknown): HttpResponse => ({ statusCode: 200, body });
export const created = (body: unknown): HttpResponse => ({ statusCode: 201, body });
export const noContent = (): HttpResponse => ({ statusCode: 204 });
/** Taken on, to be processed later (the clickstream: counted once its window closes). */
export const accepted = (body: unknown): HttpResponse => ({ statusCode: 202, body });
