import type { StorageSize } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('storage_unit')
@Index('storage_unit_location_size', ['location', 'size', 'id'])
@Index('storage_unit_probe', ['location', 'size', 'probeKey'])
export class StorageUnit {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 64, unique: true })
  code!: string;

  @Column({ type: 'varchar', length: 64 })
  location!: string;

  @Column({ type: 'varchar', length: 2 })
  size!: StorageSize;

  /** Where assignment's random-order search meets this unit; the database draws it (insert: false), and it is nobody else's business (select: false). */
  @Column({ name: 'probe_key', type: 'int', unsigned: true, insert: false, update: false, select: false })
  probeKey!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamp' })
  createdAt!: Date;
}
