import { EventEnvelope, RentalAbandoned, RentalCancelled, StorageAssigned, StorageReleased, StorageUnavailable } from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { afterAssigned, afterReleased, afterUnavailable } from './allocation';
import { AllocationsService } from './allocations.service';

@Injectable()
export class AllocationsConsumer {
  constructor(private readonly allocations: AllocationsService) {}

  @HandlesEvent(StorageAssigned)
  onStorageAssigned({ payload }: EventEnvelope<StorageAssigned>) {
    return this.allocations.recordOutcome(payload.rentalId, afterAssigned, { unitCode: payload.unitCode });
  }

  @HandlesEvent(StorageUnavailable)
  onStorageUnavailable({ payload }: EventEnvelope<StorageUnavailable>) {
    return this.allocations.recordOutcome(payload.rentalId, afterUnavailable, { reason: payload.reason });
  }

  @HandlesEvent(StorageReleased)
  onStorageReleased({ payload }: EventEnvelope<StorageReleased>) {
    return this.allocations.recordOutcome(payload.rentalId, afterReleased, {});
  }

  @HandlesEvent(RentalCancelled)
  onRentalCancelled({ payload }: EventEnvelope<RentalCancelled>) {
    return this.allocations.cancel(payload.rentalId);
  }

  @HandlesEvent(RentalAbandoned)
  onRentalAbandoned({ payload }: EventEnvelope<RentalAbandoned>) {
    return this.allocations.cancel(payload.rentalId);
  }
}
