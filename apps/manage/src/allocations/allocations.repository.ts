import { OutboxRow, outboxInsert } from '@app/messaging';
import { preparedQuery } from '@app/platform';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AllocationStatus } from './allocation';
import { RequestAllocationDto } from './request-allocation.dto';

/** manage's hot-path SQL: statements that do in one round trip what TypeORM does in several. */
@Injectable()
export class AllocationsRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
  ) {}

  /**
   * Records the allocation and its event in one statement (one transaction), and says when. Null
   * when the rental id has an allocation already (an earlier call, or a tombstone): nothing is written then.
   */
  async create(
    dto: RequestAllocationDto,
    status: AllocationStatus,
    event: OutboxRow,
  ): Promise<{ createdAt: Date; updatedAt: Date } | null> {
    const outbox = outboxInsert(event, 8, 'created');
    const [row] = await preparedQuery<{ createdAt: Date; updatedAt: Date }>(
      this.dataSource.manager,
      `WITH created AS (
         INSERT INTO allocation (rental_id, customer_id, location, size, start_date, end_date, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (rental_id) DO NOTHING
         RETURNING created_at, updated_at
       ), event AS (${outbox.sql})
       SELECT created_at AS "createdAt", updated_at AS "updatedAt" FROM created`,
      [dto.rentalId, dto.customerId, dto.location, dto.size, dto.startDate, dto.endDate, status, ...outbox.params],
    );
    return row ?? null;
  }

  /**
   * Applies assign's outcome in one statement, in the current transaction: locks the allocation,
   * moves it as `moves` says for its current status (see statusMoves), and records the outcome's
   * unit or reason even when the status stays (a cancel that came first), so that every arrival
   * order ends with the same row. False when there is no allocation for the rental.
   */
  async recordOutcome(
    rentalId: string,
    moves: Partial<Record<AllocationStatus, AllocationStatus>>,
    fields: { unitCode?: string; reason?: string },
  ): Promise<boolean> {
    const rows = await preparedQuery(
      this.txHost.tx,
      `WITH current AS (SELECT rental_id, status FROM allocation WHERE rental_id = $1 FOR UPDATE),
       recorded AS (
         UPDATE allocation SET status = COALESCE($2::jsonb ->> current.status, current.status),
           unit_code = COALESCE($3, allocation.unit_code), reason = COALESCE($4, allocation.reason), updated_at = now()
         FROM current WHERE allocation.rental_id = current.rental_id
       )
       SELECT 1 FROM current`,
      [rentalId, JSON.stringify(moves), fields.unitCode ?? null, fields.reason ?? null],
    );
    return rows.length > 0;
  }
}
