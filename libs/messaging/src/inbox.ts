import { EventEnvelope } from '@app/contracts';
import { isUniqueViolation } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InboxMessage } from './inbox-message.entity';
import { InboxRepository } from './inbox.repository';

/** Thrown inside the transaction so that it rolls back: this message was applied before. */
export class DuplicateMessage extends Error {}

@Injectable()
export class Inbox {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly repository: InboxRepository,
  ) {}

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
    return this.repository.insertNew(this.txHost.tx, unique);
  }
}
