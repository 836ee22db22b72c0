import { EventEnvelope, StorageAssigned, StorageUnavailable } from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { afterAssigned, afterUnavailable } from './rental';
import { RentalsService } from './rentals.service';

@Controller()
export class RentalsConsumer {
  constructor(private readonly rentals: RentalsService) {}

  @HandlesEvent(StorageAssigned)
  onStorageAssigned(@Payload() { payload }: EventEnvelope<StorageAssigned>) {
    return this.rentals.recordOutcome(payload.rentalId, afterAssigned, { unitCode: payload.unitCode });
  }

  @HandlesEvent(StorageUnavailable)
  onStorageUnavailable(@Payload() { payload }: EventEnvelope<StorageUnavailable>) {
    return this.rentals.recordOutcome(payload.rentalId, afterUnavailable, { reason: payload.reason });
  }
}
