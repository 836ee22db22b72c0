import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateReadModel1732400000400 implements MigrationInterface {
  name = 'CreateReadModel1732400000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE rental_view (
        rental_id    uuid PRIMARY KEY,
        customer_id  varchar(64),
        phone        varchar(32),
        location     varchar(64),
        size         varchar(2),
        start_date   date,
        end_date     date,
        cost_cents   integer,
        currency     char(3),
        status       varchar(16) NOT NULL,
        unit_code    varchar(64),
        reason       varchar(200),
        requested_at timestamptz,
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX rental_view_customer ON rental_view (customer_id, requested_at DESC)');
    await queryRunner.query(`
      CREATE TABLE rental_view_event (
        message_id     uuid PRIMARY KEY,
        rental_id      uuid NOT NULL,
        type           varchar(100) NOT NULL,
        occurred_at    timestamptz NOT NULL,
        correlation_id varchar(128) NOT NULL
      )`);
    await queryRunner.query('CREATE INDEX rental_view_event_rental ON rental_view_event (rental_id, occurred_at)');
    await queryRunner.query(`
      CREATE TABLE notification (
        id          bigserial PRIMARY KEY,
        rental_id   uuid NOT NULL,
        customer_id varchar(64) NOT NULL,
        kind        varchar(16) NOT NULL,
        message     varchar(500) NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_once UNIQUE (rental_id, kind)
      )`);
    await queryRunner.query('CREATE INDEX notification_customer ON notification (customer_id, created_at DESC)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE notification');
    await queryRunner.query('DROP TABLE rental_view_event');
    await queryRunner.query('DROP TABLE rental_view');
  }
}
