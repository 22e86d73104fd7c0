// GET /health (public): liveness for monitors and the web app.
import { config } from '../../shared/config';
import { httpRoute } from '../../shared/triggers/http-route';
import { ok } from '../../shared/http/responses';

const stage = config('stage');

export const handler = httpRoute({}, () => Promise.resolve(ok({ status: 'ok', service: 'shelf', stage })));
