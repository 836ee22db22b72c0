import { DynamicModule, Logger as NestLogger, Type } from '@nestjs/common';
import { NestApplicationContext, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { CommonConfig } from './config';
import { DomainErrorFilter } from './domain-errors';
import { acceptJsonBodiesOnly } from './json-body.parser';
import { recordHttpMetrics } from './metrics/http-metrics';
import { answerErrorsAsProblems } from './problem-details';
import { RequestValidationPipe } from './request-validation.pipe';
import { stopTracing } from './tracing';

/** Requests larger than this are refused with 413 before any of our code runs. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * The HTTP side every app shares: Fastify, logging, validation, error mapping, signal handling.
 * `parseBodies: false` is for the gateway, whose proxy passes bodies through as they came;
 * `trustProxyHops` says how many proxies' X-Forwarded-For to believe for `request.ip`.
 */
export async function createHttpApp(
  module: Type<unknown> | DynamicModule,
  name: string,
  config: CommonConfig,
  { parseBodies = true, trustProxyHops = 0 }: { parseBodies?: boolean; trustProxyHops?: number } = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: trustProxyHops }),
    { bufferLogs: true, bodyParser: false },
  );
  const draining = closeConnectionsWhileDraining(app);
  if (parseBodies) acceptJsonBodiesOnly(app.getHttpAdapter().getInstance());
  recordHttpMetrics(app.getHttpAdapter().getInstance(), name);
  answerErrorsAsProblems(app.getHttpAdapter().getInstance());
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(new RequestValidationPipe());
  app.useGlobalFilters(new DomainErrorFilter());
  closeOnSignals(app, config.SHUTDOWN_DRAIN_MS + config.SHUTDOWN_TIMEOUT_MS, draining);
  return app;
}

/**
 * From the signal on, every answer says `Connection: close`: a caller's kept-alive connection to
 * this process ends with its next answer, and the caller's next request opens a new one, which the
 * Service gives to a pod that is ready. Without it, pooled connections kept coming here until close.
 */
function closeConnectionsWhileDraining(app: NestFastifyApplication): { start(): void } {
  let draining = false;
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (_request, reply) => {
      if (draining) reply.header('connection', 'close');
    });
  return { start: () => (draining = true) };
}

/**
 * Nest's own shutdown hooks re-raise the signal, so the process dies by SIGTERM (exit 143). An
 * orderly stop should exit 0, so we close the app ourselves and say how it went.
 */
function closeOnSignals(app: NestFastifyApplication, limitMs: number, draining: { start(): void }): void {
  const logger = new NestLogger('Shutdown');
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`${signal} received: draining, then closing`);
      draining.start();
      setTimeout(() => {
        logger.error(`Still not closed after ${limitMs} ms: exiting anyway`);
        process.exit(1);
      }, limitMs).unref();
      // The public type hides close(signal); Terminus only holds the drain window when it sees SIGTERM.
      (app as unknown as NestApplicationContext).close(signal).then(
        () => stopTracing().then(() => process.exit(0)),
        (error: unknown) => {
          logger.error(`Shutdown failed: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}
