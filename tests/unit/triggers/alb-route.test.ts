// albRoutes, the wrapper of a function behind an Application Load Balancer, on routes of its own:
// what a route's errors become (the one error mapper's statuses and body, ALB's status
// description), that nothing internal leaks, and the headers a route sees in either form.
import { NotFoundError } from '../../../shared/errors';
import { metrics } from '../../../shared/observability';
import { albRoutes, statusDescription, type AlbRequest } from '../../../shared/triggers/alb-route';
import headersOnlySample from '../../fixtures/events/alb-lambda-target-request-headers-only.json';
import multiValueSample from '../../fixtures/events/alb-lambda-target-request-multivalue-headers.json';
import { lambdaContext } from '../../helpers/http-events';

jest.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);

let seen: AlbRequest | undefined;
const handler = albRoutes({
  '/things/missing': { GET: () => Promise.reject(new NotFoundError('No such thing')) },
  '/things/broken': { GET: () => Promise.reject(new Error('password=hunter2 in a stack trace')) },
  '/things/echo': {
    GET: (request) => {
      seen = request;
      return Promise.resolve({ statusCode: 200, body: { ok: true }, headers: { 'x-thing': 'yes' } });
    },
    PUT: () => Promise.resolve({ statusCode: 204 }),
  },
});
const call = async (event: unknown) => await handler(event, lambdaContext());
const at = <S extends object>(sample: S, path: string, method = 'GET') => ({
  ...structuredClone(sample),
  path,
  httpMethod: method,
});

describe('albRoutes', () => {
  it('maps a domain error with the one error mapper: NotFoundError is a 404 with its code and message', async () => {
    const answer = await call(at(headersOnlySample, '/things/missing'));

    expect(answer).toMatchObject({ statusCode: 404, statusDescription: '404 Not Found' });
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'NOT_FOUND', message: 'No such thing', details: null } });
  });

  it('answers an unexpected error with a generic 500 and the request id, never its message', async () => {
    const answer = await call(at(headersOnlySample, '/things/broken'));

    expect(answer).toMatchObject({ statusCode: 500, statusDescription: '500 Internal Server Error' });
    expect(answer.body).not.toContain('hunter2');
    expect(JSON.parse(answer.body).error.details).toEqual({ requestId: lambdaContext().awsRequestId });
  });

  it('gives the route the headers in one form, the last value of a repeated one, and keeps the route’s own headers', async () => {
    const event = at(multiValueSample, '/things/echo');
    event.multiValueHeaders['x-myheader'] = ['first', 'last'];

    const answer = await call(event);

    expect(seen?.headers).toMatchObject({ 'x-myheader': 'last', 'user-agent': 'curl/7.54.0' });
    expect(answer.multiValueHeaders).toEqual({
      'content-type': ['application/json'],
      'cache-control': ['no-store'],
      'x-thing': ['yes'],
    });
  });

  it('names every method a path answers in a 405', async () => {
    const answer = await call(at(headersOnlySample, '/things/echo', 'DELETE'));

    expect(answer.statusCode).toBe(405);
    expect(answer.headers).toMatchObject({ allow: 'GET, PUT' });
  });

  it('answers a route’s empty body as an empty string, which ALB requires', async () => {
    const answer = await call(at(headersOnlySample, '/things/echo', 'PUT'));

    expect(answer).toMatchObject({ statusCode: 204, statusDescription: '204 No Content', body: '' });
  });

  it('does not take an inherited property for a route (a path named like an Object method)', async () => {
    expect((await call(at(headersOnlySample, 'constructor'))).statusCode).toBe(404);
    expect((await call(at(headersOnlySample, '/things/echo', 'constructor'))).statusCode).toBe(405);
  });

  it('writes the status line ALB sends the client', () => {
    expect(statusDescription(503)).toBe('503 Service Unavailable');
  });
});
