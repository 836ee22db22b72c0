import { IsInt, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Length, Min } from 'class-validator';

/** What every message on the bus looks like: metadata around one event's payload. */
export interface EventEnvelope<P = unknown> {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  correlationId: string;
  /** The id of the message whose handling emitted this one; absent when a request did (added to v1). */
  causationId?: string;
  payload: P;
}

/** An event class: its static type, version and routing key, its fields validated by class-validator. */
export interface EventType<P extends object = object> {
  new (): P;
  readonly type: string;
  readonly version: number;
  readonly routingKey: string;
}

/** `StorageAssigned`, 1 → `storage.assigned.v1`: the routing key carries the type and its version. */
export function routingKeyOf(type: string, version: number): string {
  const words = type.replace(/([a-z0-9])([A-Z])/g, '$1.$2').toLowerCase();
  return `${words}.v${version}`;
}

export class EventEnvelopeDto implements EventEnvelope<object> {
  @IsUUID()
  id!: string;

  @IsString()
  @Length(1, 100)
  type!: string;

  @IsInt()
  @Min(1)
  version!: number;

  @IsISO8601()
  occurredAt!: string;

  @IsString()
  @Length(1, 128)
  correlationId!: string;

  @IsOptional()
  @IsUUID()
  causationId?: string;

  @IsObject()
  payload!: object;
}

/**
 * The rental an event is about: every event of ours names one in its payload. Consumers take an
 * event's rows in this order, so that two of them never wait for each other in a cycle.
 */
export function rentalOf(envelope: EventEnvelope): string {
  const rentalId = (envelope.payload as { rentalId?: unknown } | null)?.rentalId;
  return typeof rentalId === 'string' ? rentalId : '';
}
