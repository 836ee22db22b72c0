import { STORAGE_SIZES, StorageSize } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import type { ViewStatus } from './rental-view';

const VIEW_STATUSES: ViewStatus[] = ['REQUESTED', 'CONFIRMED', 'REJECTED', 'CANCELLED'];

/** One event about the rental, as the read model recorded it. */
export class HistoryEntryResponse {
  /** The event's id: a later entry's causationId names it. */
  id!: string;
  /** @example "StorageAssigned" */
  type!: string;
  /** When the event happened. */
  at!: Date;
  correlationId!: string;
  /** The id of the event whose handling emitted this one; absent for one a request caused. */
  causationId?: string;
}

/** What the read model knows of a rental; fields arrive with their events, so some may still be null. */
export class RentalViewSummaryResponse {
  id!: string;
  customerId!: string | null;
  location!: string | null;
  // OpenAPI 3.0: nullable does not add null to an enum, so the enum names it (a validator refused null otherwise).
  @ApiProperty({ enum: [...STORAGE_SIZES, null], nullable: true })
  size!: StorageSize | null;
  startDate!: string | null;
  endDate!: string | null;
  @ApiProperty({ type: Number, nullable: true, example: 17.5 })
  cost!: number | null;
  currency!: string | null;
  @ApiProperty({ enum: VIEW_STATUSES })
  status!: ViewStatus;
  unitCode?: string;
  reason?: string;
  /** When rental accepted the application; null until RentalRequested has arrived. */
  requestedAt!: Date | null;
}

export class RentalViewResponse extends RentalViewSummaryResponse {
  @ApiProperty({ type: [HistoryEntryResponse] })
  history!: HistoryEntryResponse[];
}

export class RentalViewPage {
  @ApiProperty({ type: [RentalViewSummaryResponse] })
  items!: RentalViewSummaryResponse[];
  page!: number;
  pageSize!: number;
  total!: number;
}
