import { DynamicModule, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ClsServiceManager } from 'nestjs-cls';
import { LoggerModule } from 'nestjs-pino';
import { CommonConfig } from './config';

/** What the current message handler is applying, for its log lines (set by EventConsumer). */
export const LOGGED_EVENT = 'loggedEvent';

/** Keeps the last three digits: enough to tell numbers apart in a log, not enough to call one. */
export function maskPhone(phone: unknown): string {
  if (typeof phone !== 'string' || phone === '') return '(no phone)';
  return `***${phone.replace(/\D/g, '').slice(-3)}`;
}

/** Request headers that carry credentials: never written to a log. */
const CREDENTIAL_HEADERS = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["proxy-authorization"]'];

/** pino's censor: a credential is dropped whole, a phone number masked. */
export function censor(value: unknown, path: string[]): string {
  return path.at(-1) === 'phone' ? maskPhone(value) : '[redacted]';
}

/**
 * pino for every log line: one JSON object per line in production (`LOG_FORMAT=json`), readable
 * lines in development. Each line carries the app's name and the correlation id, and while a
 * message is handled, the event's type and id. Phone numbers are masked wherever they appear, and
 * credentials (the bearer token) are never written.
 */
@Module({})
export class LoggingModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<CommonConfig, true>) => ({
            pinoHttp: {
              base: { app },
              mixin: () => {
                const cls = ClsServiceManager.getClsService();
                return cls.isActive() ? { correlationId: cls.getId(), ...cls.get(LOGGED_EVENT) } : {};
              },
              redact: { paths: ['phone', '*.phone', '*.*.phone', 'req.body.phone', ...CREDENTIAL_HEADERS], censor },
              // Health probes and scrapes arrive every few seconds; a line each would drown the rest.
              // originalUrl: the middleware sees `url` with its mount path cut off.
              autoLogging: { ignore: (req) => /^\/(health|metrics)/.test((req as { originalUrl?: string }).originalUrl ?? req.url ?? '') },
              quietReqLogger: true,
              // What a request line needs; all the headers would triple its size and its cost.
              serializers: {
                req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
                  id: req.id,
                  method: req.method,
                  url: req.url,
                  remoteAddress: req.remoteAddress,
                }),
                res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
              },
              transport:
                config.get('LOG_FORMAT', { infer: true }) === 'text'
                  ? {
                      target: 'pino-pretty',
                      options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,req,res' },
                    }
                  : undefined,
            },
          }),
        }),
      ],
    };
  }
}
