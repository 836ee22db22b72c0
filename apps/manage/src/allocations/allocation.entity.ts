import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { StorageSize } from '@app/contracts';
import type { AllocationStatus } from './allocation';

/** One per rental. A row with only a rental id and CANCELLED is a tombstone: the rental was abandoned first. */
@Entity('allocation')
export class Allocation {
  @PrimaryColumn({ name: 'rental_id', type: 'uuid' })
  rentalId!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 64, nullable: true })
  customerId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  location!: string | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  size!: StorageSize | null;

  @Column({ name: 'start_date', type: 'date', nullable: true })
  startDate!: string | null;

  @Column({ name: 'end_date', type: 'date', nullable: true })
  endDate!: string | null;

  @Column({ type: 'varchar', length: 16 })
  status!: AllocationStatus;

  @Column({ name: 'unit_code', type: 'varchar', length: 64, nullable: true })
  unitCode!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
