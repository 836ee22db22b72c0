import type { StorageSize } from '@app/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('storage_unit')
@Index('storage_unit_location_size', ['location', 'size', 'id'])
export class StorageUnit {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'varchar', length: 64, unique: true })
  code!: string;

  @Column({ type: 'varchar', length: 64 })
  location!: string;

  @Column({ type: 'varchar', length: 2 })
  size!: StorageSize;

  @CreateDateColumn({ name: 'created_at', type: 'timestamp' })
  createdAt!: Date;
}
