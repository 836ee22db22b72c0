import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

let sdk: NodeSDK | undefined;

/**
 * OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set; the SDK reads that and
 * the other standard OTEL_* variables itself. HTTP in and out (fetch included) and the SQL are traced
 * by the instrumentations; AMQP hops carry `traceparent` through the outbox (libs/messaging), not
 * through @opentelemetry/instrumentation-amqplib, which would start a new trace at each hop
 * (docs/decisions.md). Each app's
 * `tracing.ts` calls this and is its main.ts's first import: the SDK must patch `http` before
 * anything loads it.
 */
export function startTracing(app: string): void {
  if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return;
  sdk = new NodeSDK({
    serviceName: app,
    traceExporter: new OTLPTraceExporter(),
    // Traces only: metrics are Prometheus's (/metrics) and logs go to stdout. Left unset, the SDK
    // would also export both to the same OTLP endpoint.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? '') }),
      new UndiciInstrumentation(),
      new PgInstrumentation(),
      new MySQL2Instrumentation(),
      // Trace and span ids in log lines; the lines themselves stay on stdout.
      new PinoInstrumentation({ disableLogSending: true }),
    ],
  });
  sdk.start();
}

/** Exports the spans still buffered; called on shutdown. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
}
