import type { StorageSize } from '@app/contracts';
import { Column, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ViewStatus } from './rental-view';

/** One row per rental, built from events only. Fields stay null until the event that carries them arrives. */
@Entity('rental_view')
@Index('rental_view_customer', ['customerId', 'requestedAt'])
export class RentalView {
  @PrimaryColumn({ name: 'rental_id', type: 'uuid' })
  rentalId!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64, nullable: true })
  customerId!: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  location!: string | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  size!: StorageSize | null;

  @Column({ name: 'start_date', type: 'date', nullable: true })
  startDate!: string | null;

  @Column({ name: 'end_date', type: 'date', nullable: true })
  endDate!: string | null;

  @Column({ name: 'cost_cents', type: 'int', nullable: true })
  costCents!: number | null;

  @Column({ type: 'char', length: 3, nullable: true })
  currency!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: ViewStatus;

  @Column({ name: 'unit_code', type: 'varchar', length: 64, nullable: true })
  unitCode!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  /** When the customer applied: RentalRequested's time. Orders a customer's list. */
  @Column({ name: 'requested_at', type: 'timestamptz', nullable: true })
  requestedAt!: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
