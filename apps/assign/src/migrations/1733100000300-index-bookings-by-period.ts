import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Availability counts a location's booked units of a size for a period from this index alone:
 * the range starts at the period's first day (end_date), so past rentals are never read.
 */
export class IndexBookingsByPeriod1733100000300 implements MigrationInterface {
  name = 'IndexBookingsByPeriod1733100000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE assignment ADD KEY assignment_booked (location, size, status, end_date, start_date, unit_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE assignment DROP KEY assignment_booked');
  }
}
