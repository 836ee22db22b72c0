import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A message sent to a customer. At most one per rental and kind, however often the event comes. */
@Entity('notification')
@Index('notification_once', ['rentalId', 'kind'], { unique: true })
@Index('notification_customer', ['customerId', 'createdAt'])
export class Notification {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'rental_id', type: 'uuid' })
  rentalId!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64 })
  customerId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: 'CONFIRMED' | 'REJECTED' | 'CANCELLED';

  @Column({ type: 'varchar', length: 500 })
  message!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
