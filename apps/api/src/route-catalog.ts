import type { FastifyInstance, HTTPMethods } from 'fastify';

/** One route as registered: method and URL pattern in fastify syntax (`/api/syncs/:id`). */
export interface RouteSummary {
  method: string;
  url: string;
}

const catalogs = new WeakMap<FastifyInstance, RouteSummary[]>();

/**
 * Records every route added from now on (fastify's `onRoute` applies to child plugins too), so
 * tests can hold the OpenAPI document against what is really served.
 */
export function trackRoutes(app: FastifyInstance): void {
  const routes: RouteSummary[] = [];
  catalogs.set(app, routes);
  app.addHook('onRoute', (route) => {
    const methods: HTTPMethods[] = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push({ method, url: route.url });
  });
}

/** Routes registered on `app` since {@link trackRoutes}, HEAD twins included. */
export function registeredRoutes(app: FastifyInstance): readonly RouteSummary[] {
  return catalogs.get(app) ?? [];
}
