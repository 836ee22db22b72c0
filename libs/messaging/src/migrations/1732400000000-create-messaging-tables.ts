import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** The outbox and inbox tables, described once and created by TypeORM in each app's dialect. */
export class CreateMessagingTables1732400000000 implements MigrationInterface {
  name = 'CreateMessagingTables1732400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'outbox_message',
        columns: [
          { name: 'position', type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'message_id', type: 'varchar', length: '36', isUnique: true },
          { name: 'type', type: 'varchar', length: '100' },
          { name: 'routing_key', type: 'varchar', length: '200' },
          { name: 'correlation_id', type: 'varchar', length: '128' },
          { name: 'body', type: 'text' },
          { name: 'created_at', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
          { name: 'published_at', type: 'timestamp', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'outbox_message',
      new TableIndex({ name: 'outbox_message_unpublished', columnNames: ['published_at', 'position'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'inbox_message',
        columns: [
          { name: 'message_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'type', type: 'varchar', length: '100' },
          { name: 'received_at', type: 'timestamp', default: 'CURRENT_TIMESTAMP' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('inbox_message');
    await queryRunner.dropTable('outbox_message');
  }
}
