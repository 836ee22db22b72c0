import { EventEnvelope } from '@app/contracts';
import { isUniqueViolation, preparedQuery } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InboxMessage } from './inbox-message.entity';

/** Thrown inside the transaction so that it rolls back: this message was applied before. */
export class DuplicateMessage extends Error {}

/** The batch's rows in id order (ORDER BY: the order they are inserted, and so locked, in). */
const RECORD_NEW_POSTGRES = `INSERT INTO inbox_message (message_id, type)
  SELECT id, type FROM unnest($1::varchar[], $2::varchar[]) AS batch (id, type) ORDER BY id
  ON CONFLICT (message_id) DO NOTHING RETURNING message_id`;

@Injectable()
export class Inbox {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /**
   * Records the message in the current transaction. The primary key does the deduplication: a
   * concurrent twin waits on our uncommitted row and then fails, so "check then act" never races.
   */
  async record(envelope: EventEnvelope): Promise<void> {
    try {
      await this.txHost.tx.getRepository(InboxMessage).insert({ messageId: envelope.id, type: envelope.type });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateMessage(`${envelope.type} ${envelope.id} was applied before`);
      throw error;
    }
  }

  /**
   * Records a batch's messages in the current transaction, in one statement, and returns the ids
   * that were new: the others were applied before. Sorted by id, so that two consumers inserting
   * overlapping batches wait for each other in one order and never deadlock; a concurrent twin
   * waits on the first one's uncommitted row, as in record().
   */
  async recordNew(envelopes: EventEnvelope[]): Promise<Set<string>> {
    const unique = [...new Map(envelopes.map((e) => [e.id, e])).values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    const manager = this.txHost.tx;
    // PostgreSQL: one statement text whatever the batch's size, so that it is prepared once.
    const rows = await (manager.connection.options.type === 'postgres'
      ? preparedQuery<{ message_id: string }>(manager, RECORD_NEW_POSTGRES, [unique.map((e) => e.id), unique.map((e) => e.type)])
      : manager.query<{ message_id: string }[]>(
          `INSERT IGNORE INTO inbox_message (message_id, type) VALUES ${unique.map(() => '(?, ?)').join(', ')} RETURNING message_id`,
          unique.flatMap((e) => [e.id, e.type]),
        ));
    return new Set(rows.map((row) => row.message_id));
  }
}
