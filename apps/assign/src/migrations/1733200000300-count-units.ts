import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many units each location has of each size, kept by StorageUnitsRepository in the transaction
 * that adds them, so that availability reads one row instead of counting the units (docs/operations.md:
 * units added by an earlier version during the roll are not counted).
 */
export class CountUnits1733200000300 implements MigrationInterface {
  name = 'CountUnits1733200000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE storage_unit_count (
        location varchar(64) NOT NULL,
        size     varchar(2) NOT NULL,
        units    int unsigned NOT NULL,
        PRIMARY KEY (location, size)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await queryRunner.query(
      'INSERT INTO storage_unit_count (location, size, units) SELECT location, size, COUNT(*) FROM storage_unit GROUP BY location, size',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE storage_unit_count');
  }
}
