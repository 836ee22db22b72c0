import type { StorageSize } from '@app/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The units a location has of a size: StorageUnitsRepository keeps it, availability reads it. */
@Entity('storage_unit_count')
export class StorageUnitCount {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  location!: string;

  @PrimaryColumn({ type: 'varchar', length: 2 })
  size!: StorageSize;

  @Column({ type: 'int', unsigned: true })
  units!: number;
}
