import { EventEnvelope } from '@app/contracts';
import { isUniqueViolation } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { InboxMessage } from './inbox-message.entity';

/** Thrown inside the transaction so that it rolls back: this message was applied before. */
export class DuplicateMessage extends Error {}

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
}
