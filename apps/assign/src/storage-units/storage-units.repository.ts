import type { StorageSize } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { StorageUnit } from './storage-unit.entity';

export type NewStorageUnit = Pick<StorageUnit, 'code' | 'location' | 'size'>;

/** IGNORE: a code taken already is skipped, and RETURNING leaves it out. */
const ADD_MISSING = 'INSERT IGNORE INTO storage_unit (code, location, size) VALUES ? RETURNING location, size';
/** storage_unit_count follows every unit added, in the same transaction (migration 1733200000300). */
const COUNT_ADDED =
  'INSERT INTO storage_unit_count (location, size, units) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE units = units + VALUES(units)';

@Injectable()
export class StorageUnitsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  list(where: FindOptionsWhere<StorageUnit>): Promise<StorageUnit[]> {
    return this.dataSource.getRepository(StorageUnit).find({ where, order: { id: 'ASC' } });
  }

  async isEmpty(): Promise<boolean> {
    return !(await this.dataSource.getRepository(StorageUnit).exists());
  }

  /** Throws the driver's unique violation when the code is taken; nothing is counted then. */
  add(unit: NewStorageUnit): Promise<StorageUnit> {
    return this.dataSource.transaction(async (manager) => {
      const saved = await manager.save(manager.create(StorageUnit, unit));
      await this.count(manager, unit.location, unit.size, 1);
      return saved;
    });
  }

  /**
   * The units whose code is not taken yet; the others are left as they are. Each location and size
   * is counted by the rows really inserted, so two replicas stocking at once count every unit once.
   * One statement in code order: the second replica waits at the first code the first replica holds,
   * and every later insert of the first falls above it, so the two never deadlock (by a waiting
   * next-key lock on the gap below that code, as they did in any other order).
   */
  addMissing(units: NewStorageUnit[]): Promise<number> {
    if (units.length === 0) return Promise.resolve(0);
    const inCodeOrder = [...units].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    return this.dataSource.transaction(async (manager) => {
      const inserted: Pick<StorageUnit, 'location' | 'size'>[] = await manager.query(ADD_MISSING, [
        inCodeOrder.map((unit) => [unit.code, unit.location, unit.size]),
      ]);
      const added = new Map<string, { location: string; size: StorageSize; units: number }>();
      for (const { location, size } of inserted) {
        const key = JSON.stringify([location, size]);
        added.set(key, { location, size, units: (added.get(key)?.units ?? 0) + 1 });
      }
      // Count rows in key order too, for the same reason.
      for (const key of [...added.keys()].sort()) {
        const { location, size, units: count } = added.get(key)!;
        await this.count(manager, location, size, count);
      }
      return inserted.length;
    });
  }

  private async count(manager: EntityManager, location: string, size: StorageSize, added: number): Promise<void> {
    await manager.query(COUNT_ADDED, [location, size, added]);
  }
}
