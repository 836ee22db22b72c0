import { ConsoleLogger, ConsoleLoggerOptions, LogLevel } from '@nestjs/common';
import { ClsServiceManager } from 'nestjs-cls';

/** Nest's console logger with the app's name and the current correlation id on every line. */
export class CorrelationLogger extends ConsoleLogger {
  constructor(
    private readonly app: string,
    options: ConsoleLoggerOptions,
  ) {
    super(app, { prefix: app, ...options });
  }

  protected override formatContext(context: string): string {
    const correlationId = currentCorrelationId();
    return super.formatContext(context) + (correlationId ? `[${correlationId}] ` : '');
  }

  protected override getJsonLogObject(
    message: unknown,
    options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown },
  ) {
    return { ...super.getJsonLogObject(message, options), app: this.app, correlationId: currentCorrelationId() };
  }
}

export function currentCorrelationId(): string | undefined {
  const cls = ClsServiceManager.getClsService();
  return cls.isActive() ? cls.getId() : undefined;
}
