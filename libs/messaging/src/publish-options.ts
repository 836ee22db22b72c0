/**
 * How BrokerConnection.publish sends every event, beside what it takes from the outbox row (the
 * AsyncAPI document reads them here): persistent, and mandatory, so that a message no queue is
 * bound for comes back and the outbox row stays.
 */
export const EVENT_PUBLISH_OPTIONS = { persistent: true, mandatory: true, contentType: 'application/json' } as const;

/** The header with the W3C trace context of the transaction that wrote the event (OpenTelemetry's name). */
export const TRACEPARENT_HEADER = 'traceparent';
