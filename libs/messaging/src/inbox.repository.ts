import { preparedQuery } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

/** The batch's rows in id order (ORDER BY: the order they are inserted, and so locked, in); one text whatever the batch's size. */
const INSERT_NEW_POSTGRES = `INSERT INTO inbox_message (message_id, type)
  SELECT id, type FROM unnest($1::varchar[], $2::varchar[]) AS batch (id, type) ORDER BY id
  ON CONFLICT (message_id) DO NOTHING RETURNING message_id`;

/** The inbox's batch statement, in the transaction of the manager it is given. */
@Injectable()
export class InboxRepository {
  /** Inserts the messages (sorted by id) that are not there yet, in one statement; returns the ids it inserted. */
  async insertNew(manager: EntityManager, messages: { id: string; type: string }[]): Promise<Set<string>> {
    const rows = await (manager.connection.options.type === 'postgres'
      ? preparedQuery<{ message_id: string }>(manager, INSERT_NEW_POSTGRES, [messages.map((m) => m.id), messages.map((m) => m.type)])
      : preparedQuery<{ message_id: string }>(
          manager,
          `INSERT IGNORE INTO inbox_message (message_id, type) VALUES ${messages.map(() => '(?, ?)').join(', ')} RETURNING message_id`,
          messages.flatMap((m) => [m.id, m.type]),
        ));
    return new Set(rows.map((row) => row.message_id));
  }
}
