import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAllocation1732400000100 implements MigrationInterface {
  name = 'CreateAllocation1732400000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE allocation (
        rental_id   uuid PRIMARY KEY,
        customer_id varchar(64),
        location    varchar(64),
        size        varchar(2),
        start_date  date,
        end_date    date,
        status      varchar(16) NOT NULL,
        unit_code   varchar(64),
        reason      varchar(200),
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE allocation');
  }
}
