import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRental1732400000300 implements MigrationInterface {
  name = 'CreateRental1732400000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rental (
        id              uuid PRIMARY KEY,
        customer_id     varchar(64) NOT NULL,
        phone           varchar(32) NOT NULL,
        location        varchar(64) NOT NULL,
        size            varchar(2) NOT NULL,
        start_date      date NOT NULL,
        end_date        date NOT NULL,
        cost_cents      integer NOT NULL,
        currency        char(3) NOT NULL,
        status          varchar(16) NOT NULL,
        unit_code       varchar(64),
        reason          varchar(200),
        idempotency_key varchar(128),
        request_hash    char(64) NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE UNIQUE INDEX rental_idempotency_key ON rental (customer_id, idempotency_key)');
    await queryRunner.query("CREATE INDEX rental_pending ON rental (created_at) WHERE status = 'PENDING'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE rental');
  }
}
