import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A random key per unit, so that assignment searches units in an order unrelated to their ids
 * (issue 15): a search from a random point then meets a run of booked units as short as with
 * random placement, whatever order the units were booked in. Existing units get theirs here.
 */
export class AddUnitProbeKey1733100000200 implements MigrationInterface {
  name = 'AddUnitProbeKey1733100000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE storage_unit
        ADD COLUMN probe_key int unsigned NOT NULL DEFAULT (FLOOR(RAND() * 4294967296)),
        ADD KEY storage_unit_probe (location, size, probe_key)`);
    // The DEFAULT above is evaluated once for the rows already there: give each its own.
    await queryRunner.query('UPDATE storage_unit SET probe_key = FLOOR(RAND() * 4294967296)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE storage_unit DROP KEY storage_unit_probe, DROP COLUMN probe_key');
  }
}
