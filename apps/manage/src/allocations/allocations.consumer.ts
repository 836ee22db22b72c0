import { EventEnvelope, RentalAbandoned, RentalCancelled, StorageAssigned, StorageReleased, StorageUnavailable } from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { afterAssigned, afterReleased, afterUnavailable } from './allocation';
import { AllocationsService } from './allocations.service';

@Controller()
export class AllocationsConsumer {
  constructor(private readonly allocations: AllocationsService) {}

  @HandlesEvent(StorageAssigned)
  onStorageAssigned(@Payload() { payload }: EventEnvelope<StorageAssigned>) {
    return this.allocations.recordOutcome(payload.rentalId, afterAssigned, { unitCode: payload.unitCode });
  }

  @HandlesEvent(StorageUnavailable)
  onStorageUnavailable(@Payload() { payload }: EventEnvelope<StorageUnavailable>) {
    return this.allocations.recordOutcome(payload.rentalId, afterUnavailable, { reason: payload.reason });
  }

  @HandlesEvent(StorageReleased)
  onStorageReleased(@Payload() { payload }: EventEnvelope<StorageReleased>) {
    return this.allocations.recordOutcome(payload.rentalId, afterReleased, {});
  }

  @HandlesEvent(RentalCancelled)
  onRentalCancelled(@Payload() { payload }: EventEnvelope<RentalCancelled>) {
    return this.allocations.cancel(payload.rentalId);
  }

  @HandlesEvent(RentalAbandoned)
  onRentalAbandoned(@Payload() { payload }: EventEnvelope<RentalAbandoned>) {
    return this.allocations.cancel(payload.rentalId);
  }
}
