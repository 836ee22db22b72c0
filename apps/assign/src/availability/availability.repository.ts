import type { StorageSize } from '@app/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BOOKED_IN_PERIOD } from '../assignments/assignments.repository';

export interface SizeCount {
  size: StorageSize;
  units: number;
  /** Units with an ACTIVE assignment on at least one day of the period. */
  booked: number;
}

/**
 * Per size, the units and those booked in the period: two index ranges (storage_unit_location_size
 * and assignment_booked, which covers the query), read without locks. DISTINCT because one unit can
 * have several rentals inside a long period. The cost grows with the units of the size at the
 * location and with their current and future rentals (not with past ones: the range starts at the
 * period's first day), about 1 µs a row on this machine (docs/benchmarks.md).
 */
const COUNT_OF_SIZE = `SELECT :size AS size,
  (SELECT COUNT(*) FROM storage_unit unit WHERE unit.location = :location AND unit.size = :size) AS units,
  (SELECT COUNT(DISTINCT booked.unit_id) FROM assignment booked
    WHERE booked.location = :location AND booked.size = :size AND ${BOOKED_IN_PERIOD}) AS booked`;

@Injectable()
export class AvailabilityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One statement, one snapshot: a UNION ALL of one row per size, each served by its own index ranges. */
  async countsBySize(location: string, sizes: readonly StorageSize[], startDate: string, endDate: string): Promise<SizeCount[]> {
    const statements: string[] = [];
    const parameters: unknown[] = [];
    for (const size of sizes) {
      const [sql, values] = this.dataSource.driver.escapeQueryWithParameters(COUNT_OF_SIZE, { size, location, startDate, endDate });
      statements.push(sql);
      parameters.push(...values);
    }
    const rows: { size: StorageSize; units: string | number; booked: string | number }[] = await this.dataSource.query(
      statements.join(' UNION ALL '),
      parameters,
    );
    return rows.map((row) => ({ size: row.size, units: Number(row.units), booked: Number(row.booked) }));
  }
}
