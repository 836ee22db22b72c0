import { EventEnvelope, StorageAssigned, StorageUnavailable } from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { afterAssigned, afterUnavailable } from './rental';
import { RentalsService } from './rentals.service';

@Injectable()
export class RentalsConsumer {
  constructor(private readonly rentals: RentalsService) {}

  @HandlesEvent(StorageAssigned)
  onStorageAssigned({ payload }: EventEnvelope<StorageAssigned>) {
    return this.rentals.recordOutcome(payload.rentalId, afterAssigned, { unitCode: payload.unitCode });
  }

  @HandlesEvent(StorageUnavailable)
  onStorageUnavailable({ payload }: EventEnvelope<StorageUnavailable>) {
    return this.rentals.recordOutcome(payload.rentalId, afterUnavailable, { reason: payload.reason });
  }
}
