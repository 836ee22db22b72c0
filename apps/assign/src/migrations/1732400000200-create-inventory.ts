import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateInventory1732400000200 implements MigrationInterface {
  name = 'CreateInventory1732400000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE storage_unit (
        id         int NOT NULL AUTO_INCREMENT PRIMARY KEY,
        code       varchar(64) NOT NULL,
        location   varchar(64) NOT NULL,
        size       varchar(2) NOT NULL,
        created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
        UNIQUE KEY storage_unit_code (code),
        KEY storage_unit_location_size (location, size, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
    await queryRunner.query(`
      CREATE TABLE assignment (
        rental_id  varchar(36) NOT NULL PRIMARY KEY,
        unit_id    int NULL,
        unit_code  varchar(64) NULL,
        location   varchar(64) NULL,
        size       varchar(2) NULL,
        start_date date NULL,
        end_date   date NULL,
        status     varchar(16) NOT NULL,
        reason     varchar(200) NULL,
        created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        KEY assignment_unit_period (unit_id, status, start_date, end_date),
        CONSTRAINT assignment_unit FOREIGN KEY (unit_id) REFERENCES storage_unit (id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE assignment');
    await queryRunner.query('DROP TABLE storage_unit');
  }
}
