import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One line of a rental's history: every event about it, with when it happened, its correlation id and the event that caused it. */
@Entity('rental_view_event')
@Index('rental_view_event_rental', ['rentalId', 'occurredAt'])
export class RentalViewEvent {
  @PrimaryColumn({ name: 'message_id', type: 'uuid' })
  messageId!: string;

  @Column({ name: 'rental_id', type: 'uuid' })
  rentalId!: string;

  @Column({ type: 'varchar', length: 100 })
  type!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128 })
  correlationId!: string;

  /** The message whose handling emitted this event; null for one a request caused, and for lines older than causation ids. */
  @Column({ name: 'causation_id', type: 'uuid', nullable: true })
  causationId!: string | null;
}
