import type { StorageSize } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { RentalStatus } from './rental';

@Entity('rental')
@Index('rental_idempotency_key', ['customerId', 'idempotencyKey'], { unique: true })
export class Rental {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64 })
  customerId!: string;

  @Column({ type: 'varchar', length: 32 })
  phone!: string;

  @Column({ type: 'varchar', length: 64 })
  location!: string;

  @Column({ type: 'varchar', length: 2 })
  size!: StorageSize;

  @Column({ name: 'start_date', type: 'date' })
  startDate!: string;

  @Column({ name: 'end_date', type: 'date' })
  endDate!: string;

  @Column({ name: 'cost_cents', type: 'int' })
  costCents!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: RentalStatus;

  @Column({ name: 'unit_code', type: 'varchar', length: 64, nullable: true })
  unitCode!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  /** Cleared when the rental is abandoned, so that the client's retry with the same key applies anew. */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 128, nullable: true })
  idempotencyKey!: string | null;

  /** Hash of the request body, to refuse the same key with a different body. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
