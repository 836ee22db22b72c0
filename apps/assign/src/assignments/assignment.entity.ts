import type { StorageSize } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AssignmentStatus } from './assignment';

@Entity('assignment')
@Index('assignment_unit_period', ['unitId', 'status', 'startDate', 'endDate'])
@Index('assignment_booked_by_length', ['location', 'size', 'status', 'spanClass', 'startDate', 'endDate', 'unitId'])
export class Assignment {
  @PrimaryColumn({ name: 'rental_id', type: 'varchar', length: 36 })
  rentalId!: string;

  @Column({ name: 'unit_id', type: 'int', nullable: true })
  unitId!: number | null;

  @Column({ name: 'unit_code', type: 'varchar', length: 64, nullable: true })
  unitCode!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  location!: string | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  size!: StorageSize | null;

  @Column({ name: 'start_date', type: 'date', nullable: true })
  startDate!: string | null;

  @Column({ name: 'end_date', type: 'date', nullable: true })
  endDate!: string | null;

  /** The bit length of end_date − start_date, computed by the database; only availability's index reads it (migration 1733200000200). */
  @Column({
    name: 'span_class',
    type: 'tinyint',
    unsigned: true,
    generatedType: 'VIRTUAL',
    asExpression: 'LENGTH(BIN(DATEDIFF(end_date, start_date)))',
    insert: false,
    update: false,
    select: false,
  })
  spanClass!: number | null;

  @Column({ type: 'varchar', length: 16 })
  status!: AssignmentStatus;

  @Column({ type: 'varchar', length: 200, nullable: true })
  reason!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamp' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamp' })
  updatedAt!: Date;
}
