import { MigrationInterface, QueryRunner } from 'typeorm';

/** Each history line says which event caused it (the envelope's causationId, issue 16); older lines have none. */
export class AddHistoryCausation1733100000400 implements MigrationInterface {
  name = 'AddHistoryCausation1733100000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE rental_view_event ADD COLUMN causation_id uuid NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE rental_view_event DROP COLUMN causation_id');
  }
}
