import { preparedQuery } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { OutboxMessage } from './outbox-message.entity';

export type OutboxRow = Pick<OutboxMessage, 'messageId' | 'traceContext' | 'type' | 'routingKey' | 'correlationId' | 'body'>;

/** An unpublished event as the relay publishes it: the row and its place in publication order. */
export type UnpublishedEvent = OutboxRow & Pick<OutboxMessage, 'position'>;

const COLUMNS = ['message_id', 'trace_context', 'type', 'routing_key', 'correlation_id', 'body'];

const valuesOf = (row: OutboxRow) => [row.messageId, row.traceContext, row.type, row.routingKey, row.correlationId, row.body];

/**
 * The outbox's INSERT as one part of a repository's statement (PostgreSQL): a row for each row of
 * `source`, a CTE of that statement, so that the event exists exactly when the change does.
 * Its parameters are numbered from `$first`.
 */
export function outboxInsert(row: OutboxRow, first: number, source: string): { sql: string; params: unknown[] } {
  const placeholders = COLUMNS.map((_, i) => `$${first + i}`).join(', ');
  return {
    sql: `INSERT INTO outbox_message (${COLUMNS.join(', ')}) SELECT ${placeholders} FROM ${source}`,
    params: valuesOf(row),
  };
}

const SELECTED = `position, message_id AS "messageId", trace_context AS "traceContext", type, routing_key AS "routingKey",
  correlation_id AS "correlationId", body`;

/** Each statement in PostgreSQL's and MariaDB's form: the same SQL but for placeholders and quotes. */
const STATEMENTS = {
  postgres: {
    insert: `INSERT INTO outbox_message (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
    lockUnpublished: `SELECT ${SELECTED} FROM outbox_message WHERE published_at IS NULL ORDER BY position LIMIT $1 FOR UPDATE`,
    markPublished: `UPDATE outbox_message SET published_at = $1 WHERE position = ANY($2::bigint[])`,
  },
  mariadb: {
    insert: `INSERT INTO outbox_message (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`,
    lockUnpublished: `SELECT ${SELECTED.replace(/"/g, '`')} FROM outbox_message WHERE published_at IS NULL ORDER BY position LIMIT ? FOR UPDATE`,
    markPublished: `UPDATE outbox_message SET published_at = ? WHERE position IN (?)`,
  },
};

/**
 * The outbox's hot-path statements, in the transaction of the manager they are given: an event
 * written, a batch locked for the relay and marked published. One statement each, prepared on
 * PostgreSQL, instead of TypeORM's query builder and its mapping of rows to entities.
 */
@Injectable()
export class OutboxRepository {
  private readonly statements: (typeof STATEMENTS)['postgres'];

  constructor(dataSource: DataSource) {
    this.statements = STATEMENTS[dataSource.options.type === 'postgres' ? 'postgres' : 'mariadb'];
  }

  async insert(manager: EntityManager, row: OutboxRow): Promise<void> {
    await preparedQuery(manager, this.statements.insert, valuesOf(row));
  }

  /**
   * Up to `limit` unpublished events, oldest first, locked (FOR UPDATE) until the transaction
   * ends: a second relay waits for this batch instead of publishing past it.
   */
  lockUnpublished(manager: EntityManager, limit: number): Promise<UnpublishedEvent[]> {
    return preparedQuery(manager, this.statements.lockUnpublished, [limit]);
  }

  /** One statement for the whole batch, with the app's clock as the purge reads it. */
  async markPublished(manager: EntityManager, positions: string[], at: Date): Promise<void> {
    await preparedQuery(manager, this.statements.markPublished, [at, positions]);
  }
}
