import { handler } from '../../../services/health/get-health';
import { httpEvent, invoke } from '../../helpers/http-events';

describe('GET /health', () => {
  it('answers 200 with the service name and the stage, to an anonymous caller', async () => {
    // given: the no-authorizer sample, as API Gateway sends a public route
    const event = httpEvent({ method: 'GET', route: '/health' });

    // when
    const response = await invoke(handler, event);

    // then
    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ status: 'ok', service: 'shelf', stage: 'test' });
  });

  it('answers JSON that caches nowhere', async () => {
    const response = await invoke(handler, httpEvent({ method: 'GET', route: '/health' }));

    expect(response.headers).toEqual({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  });

  it('answers 200 to a signed-in caller of any role too', async () => {
    const response = await invoke(
      handler,
      httpEvent({ method: 'GET', route: '/health', caller: { sub: 'shopper-1', role: 'shopper' } }),
    );

    expect(response.statusCode).toBe(200);
    expect(response.body).toEqual({ status: 'ok', service: 'shelf', stage: 'test' });
  });
});
