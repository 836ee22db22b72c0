import { OutboxRow, outboxInsert } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RentalStatus } from './rental';

/** rental's hot-path SQL: statements that do in one round trip what TypeORM does in several. */
@Injectable()
export class RentalsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Moves a PENDING rental on and writes its event, in one statement (one transaction). The UPDATE
   * takes the row lock: if the outcome's consumer holds it, this waits, then finds the rental no
   * longer PENDING, changes nothing and writes no event (the consumer published it). False then.
   */
  async acceptPending(id: string, status: RentalStatus, event: OutboxRow): Promise<boolean> {
    const outbox = outboxInsert(event, 3, 'accepted');
    const [row] = await this.dataSource.query<{ accepted: number }[]>(
      `WITH accepted AS (
         UPDATE rental SET status = $2, updated_at = now() WHERE id = $1 AND status = 'PENDING' RETURNING id
       ), event AS (${outbox.sql})
       SELECT count(*)::int AS accepted FROM accepted`,
      [id, status, ...outbox.params],
    );
    return row.accepted === 1;
  }
}
