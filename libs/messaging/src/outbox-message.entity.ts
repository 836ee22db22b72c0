import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** An event waiting to be published, written in the same transaction as the change it reports. */
@Entity('outbox_message')
@Index('outbox_message_unpublished', ['publishedAt', 'position'])
export class OutboxMessage {
  /** Publication order: the relay publishes by ascending position. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  position!: string;

  @Column({ name: 'message_id', type: 'varchar', length: 36, unique: true })
  messageId!: string;

  @Column({ type: 'varchar', length: 100 })
  type!: string;

  @Column({ name: 'routing_key', type: 'varchar', length: 200 })
  routingKey!: string;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  /** W3C `traceparent` of the transaction that wrote the event: the trace continues in the consumer. */
  @Column({ name: 'trace_context', type: 'varchar', length: 128, nullable: true })
  traceContext!: string | null;

  /** The serialised envelope, published byte for byte. */
  @Column({ type: 'text' })
  body!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamp' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamp', nullable: true })
  publishedAt!: Date | null;
}
