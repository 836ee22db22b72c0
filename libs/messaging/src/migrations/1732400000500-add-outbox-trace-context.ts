import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';

/** The W3C trace context of the change an event reports, sent as `traceparent` when it is published. */
export class AddOutboxTraceContext1732400000500 implements MigrationInterface {
  name = 'AddOutboxTraceContext1732400000500';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'outbox_message',
      new TableColumn({ name: 'trace_context', type: 'varchar', length: '128', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('outbox_message', 'trace_context');
  }
}
