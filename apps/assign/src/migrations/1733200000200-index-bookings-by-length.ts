import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Availability reads only the rentals that can overlap a period (AvailabilityRepository): each
 * rental gets its length class, the bit length of end_date − start_date, so that a rental of class c
 * that overlaps a period began at most 2^c − 1 days before the period's first day. A VIRTUAL column
 * and an online index build: neither rewrites the table nor blocks writes during a roll.
 */
export class IndexBookingsByLength1733200000200 implements MigrationInterface {
  name = 'IndexBookingsByLength1733200000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE assignment ADD COLUMN span_class tinyint unsigned AS (LENGTH(BIN(DATEDIFF(end_date, start_date)))) VIRTUAL, ALGORITHM=INSTANT',
    );
    await queryRunner.query(`
      ALTER TABLE assignment
        DROP KEY assignment_booked,
        ADD KEY assignment_booked_by_length (location, size, status, span_class, start_date, end_date, unit_id),
        ALGORITHM=INPLACE, LOCK=NONE`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE assignment
        DROP KEY assignment_booked_by_length,
        ADD KEY assignment_booked (location, size, status, end_date, start_date, unit_id),
        ALGORITHM=INPLACE, LOCK=NONE`);
    await queryRunner.query('ALTER TABLE assignment DROP COLUMN span_class, ALGORITHM=INSTANT');
  }
}
