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
 * A rental's span class (the bit length of end_date − start_date, migration 1733200000200) bounds
 * its length: if one of class c overlaps the period, it began at most 2^c − 1 days before the
 * period's first day. One range of assignment_booked_by_length per class then reads the rentals
 * that can overlap and few others, instead of every current and future rental. Classes up to 12
 * (4,096 days) cover any MAX_RENTAL_DAYS allowed; a longer rental is found by the last term.
 */
const LONGEST_BOUNDED_CLASS = 12;
const MAY_OVERLAP = [
  ...Array.from(
    { length: LONGEST_BOUNDED_CLASS },
    (_, i) => `(booked.span_class = ${i + 1} AND booked.start_date >= :startDate - INTERVAL ${2 ** (i + 1) - 1} DAY)`,
  ),
  `booked.span_class > ${LONGEST_BOUNDED_CLASS}`,
].join(' OR ');

/**
 * Per size, the units (kept counted in storage_unit_count) and those booked in the period, read
 * without locks. DISTINCT because one unit can have several rentals inside a long period. The cost
 * grows with the rentals that overlap the period, not with the units (docs/benchmarks.md).
 */
const COUNT_OF_SIZE = `SELECT :size AS size,
  COALESCE((SELECT stock.units FROM storage_unit_count stock WHERE stock.location = :location AND stock.size = :size), 0) AS units,
  (SELECT COUNT(DISTINCT booked.unit_id) FROM assignment booked
    WHERE booked.location = :location AND booked.size = :size AND ${BOOKED_IN_PERIOD} AND (${MAY_OVERLAP})) AS booked`;

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
