import { OutboxRow, outboxInsert } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AllocationStatus } from './allocation';
import { RequestAllocationDto } from './request-allocation.dto';

/** manage's hot-path SQL: statements that do in one round trip what TypeORM does in several. */
@Injectable()
export class AllocationsRepository {
  constructor(private readonly dataSource: DataSource) {}

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
    const [row] = await this.dataSource.query<{ createdAt: Date; updatedAt: Date }[]>(
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
}
