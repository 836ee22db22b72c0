import { DynamicModule, Module } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { trace } from '@opentelemetry/api';
import { ClsModule, ClsPlugin } from 'nestjs-cls';
import { CORRELATION_HEADER, CORRELATION_SPAN_ATTRIBUTE, correlationIdFrom } from './correlation-id';

/**
 * Holds the correlation id of the current request or message in nestjs-cls: taken from the
 * request header (or made), echoed on the response, and read by the logger, the outbox and the
 * HTTP clients. Message consumers open their own context from the envelope.
 */
@Module({})
export class CorrelationModule {
  static forRoot(plugins: ClsPlugin[] = []): DynamicModule {
    return {
      module: CorrelationModule,
      imports: [
        ClsModule.forRoot({
          global: true,
          plugins,
          middleware: {
            mount: true,
            generateId: true,
            // We have no proxy providers; resolving them anyway ran a require() for every request.
            resolveProxyProviders: false,
            idGenerator: (req: IncomingMessage) => correlationIdFrom(req.headers[CORRELATION_HEADER]),
            setup: (cls, req: IncomingMessage, res: ServerResponse) => {
              // On the request too: the gateway's proxy then forwards it to the app as it is.
              req.headers[CORRELATION_HEADER] = cls.getId();
              res.setHeader(CORRELATION_HEADER, cls.getId());
              trace.getActiveSpan()?.setAttribute(CORRELATION_SPAN_ATTRIBUTE, cls.getId());
            },
          },
        }),
      ],
    };
  }
}
