import proxy from '@fastify/http-proxy';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { GatewayConfig } from './gateway.config';

export interface ProxyRoute {
  prefix: string;
  app: string;
  upstream: string;
  /** Only these methods are public; the app's other routes under the prefix are for the apps themselves. */
  methods: ('GET' | 'POST' | 'DELETE')[];
}

export const GATEWAY_ROUTES = Symbol('GATEWAY_ROUTES');

/** Which app serves each public path. The gateway passes requests and answers through unchanged. */
export function proxyRoutes(config: Pick<GatewayConfig, 'RENTAL_URL' | 'MANAGE_URL' | 'ASSIGN_URL' | 'VIEW_URL'>): ProxyRoute[] {
  return [
    { prefix: '/rentals', app: 'rental', upstream: config.RENTAL_URL, methods: ['GET', 'POST', 'DELETE'] },
    // POST /allocations is rental's call to manage, on behalf of an application: never a client's.
    { prefix: '/allocations', app: 'manage', upstream: config.MANAGE_URL, methods: ['GET'] },
    { prefix: '/storage-units', app: 'assign', upstream: config.ASSIGN_URL, methods: ['GET', 'POST'] },
    { prefix: '/availability', app: 'assign', upstream: config.ASSIGN_URL, methods: ['GET'] },
    { prefix: '/rental-views', app: 'view', upstream: config.VIEW_URL, methods: ['GET'] },
    { prefix: '/notifications', app: 'view', upstream: config.VIEW_URL, methods: ['GET'] },
  ];
}

/** The route that serves a URL (its query ignored): `/rentals` and `/rentals/…`, never `/rentals-admin`. */
export function routeOf<R extends Pick<ProxyRoute, 'prefix'>>(routes: R[], url: string): R | undefined {
  const path = url.split('?', 1)[0];
  return routes.find(({ prefix }) => path === prefix || path.startsWith(`${prefix}/`));
}

export async function registerProxyRoutes(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const logger = new Logger('Proxy');
  for (const route of proxyRoutes(config)) {
    await app.register(proxy, {
      upstream: route.upstream,
      prefix: route.prefix,
      rewritePrefix: route.prefix,
      httpMethods: route.methods,
      undici: { headersTimeout: config.UPSTREAM_TIMEOUT_MS, bodyTimeout: config.UPSTREAM_TIMEOUT_MS },
      replyOptions: {
        onError: (reply, { error }: { error: { statusCode?: number; message: string } }) => {
          const timedOut = error.statusCode === 504;
          const statusCode = timedOut ? 504 : 502;
          logger.warn(
            `${route.app} ${timedOut ? 'timed out' : 'is unreachable'} for ${reply.request.method} ${reply.request.url}: ${error.message}`,
          );
          void reply.code(statusCode).send({
            statusCode,
            error: timedOut ? 'Gateway Timeout' : 'Bad Gateway',
            message: timedOut ? `${route.app} did not answer in time` : `${route.app} is not reachable`,
          });
        },
      },
    });
  }
}
