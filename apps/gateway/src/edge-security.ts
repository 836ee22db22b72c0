import { IDEMPOTENCY_KEY_HEADER } from '@app/contracts';
import { CORRELATION_HEADER } from '@app/correlation';
import rateLimit from '@fastify/rate-limit';
import {
  BODY_LIMIT_BYTES,
  Caller,
  InvalidTokenError,
  KEYS_RETRY_AFTER_SECONDS,
  KeysUnavailableError,
  TokenVerifier,
  bearerChallenge,
} from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { GatewayConfig } from './gateway.config';
import { ProxyRoute, routeOf } from './proxy-routes';

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller;
    authFailure?: Error;
  }
}

/** Probes and scrapers call these often and from one address: never throttled. */
const UNTHROTTLED = /^\/(health|metrics)(\/|\?|$)/;

/**
 * What the gateway checks before it passes a request on, in this order:
 *  1. who is calling: the bearer token, verified (each app verifies it again: see AuthGuard);
 *  2. how often: a budget per customer, or per IP address while the caller is unknown, so that a
 *     flood of bad tokens is throttled too;
 *  3. that a caller is known at all: 401 otherwise.
 * Plus security headers (helmet), CORS for the configured origins, and the body size limit.
 * These are Fastify hooks, not Nest guards, because the proxied routes are Fastify routes.
 * Register before the proxy routes: hooks and the rate limit apply to routes registered later.
 */
export async function registerEdgeSecurity(app: NestFastifyApplication, config: GatewayConfig, routes: ProxyRoute[]): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const verifier = app.get(TokenVerifier);

  // Swagger UI (/docs) needs inline styles and scripts; everything else is JSON. Built once:
  // @fastify/helmet built helmet again for every request, parsing these directives each time.
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) =>
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
  );
  if (config.CORS_ORIGINS) {
    app.enableCors({
      origin: config.CORS_ORIGINS.split(','),
      allowedHeaders: ['authorization', 'content-type', IDEMPOTENCY_KEY_HEADER, CORRELATION_HEADER],
      exposedHeaders: ['x-correlation-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }

  fastify.addHook('onRequest', async (request, reply) => {
    // The proxy streams bodies through unparsed, so Fastify's own bodyLimit never sees them.
    if (Number(request.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) {
      return reply
        .code(413)
        .send({ statusCode: 413, error: 'Payload Too Large', message: `Request body is too large: at most ${BODY_LIMIT_BYTES} bytes` });
    }
    if (request.method === 'OPTIONS' || !routeOf(routes, request.url)) return;
    try {
      request.caller = await verifier.verify(request.headers.authorization);
    } catch (error) {
      request.authFailure = error as Error;
    }
  });

  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    keyGenerator: (request: FastifyRequest) => (request.caller ? `customer:${request.caller.id}` : `ip:${request.ip}`),
    allowList: (request: FastifyRequest) => UNTHROTTLED.test(request.url),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `At most ${context.max} requests per ${Math.round(context.ttl / 1000)} s; retry after ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });

  fastify.addHook('preHandler', async (request, reply) => {
    const failure = request.authFailure;
    if (failure instanceof InvalidTokenError) {
      return reply
        .code(401)
        .header('www-authenticate', bearerChallenge(failure.message))
        .send({ statusCode: 401, error: 'Unauthorized', message: failure.message });
    }
    if (failure instanceof KeysUnavailableError) {
      return reply
        .code(503)
        .header('retry-after', String(KEYS_RETRY_AFTER_SECONDS))
        .send({ statusCode: 503, error: 'Service Unavailable', message: failure.message });
    }
    if (failure) throw failure;
  });
}
