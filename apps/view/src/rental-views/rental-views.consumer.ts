import {
  AllocationCancelled,
  AllocationRequested,
  EventEnvelope,
  RentalCancelled,
  RentalRequested,
  StorageAssigned,
  StorageReleased,
  StorageUnavailable,
} from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { RentalViewsService } from './rental-views.service';

/** Every event about a rental lands in its view and its history; the events differ only in the facts they carry. */
@Injectable()
export class RentalViewsConsumer {
  constructor(private readonly views: RentalViewsService) {}

  @HandlesEvent(RentalRequested)
  onRentalRequested(envelope: EventEnvelope<RentalRequested>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(AllocationRequested)
  onAllocationRequested(envelope: EventEnvelope<AllocationRequested>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(StorageAssigned)
  onStorageAssigned(envelope: EventEnvelope<StorageAssigned>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(StorageUnavailable)
  onStorageUnavailable(envelope: EventEnvelope<StorageUnavailable>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(RentalCancelled)
  onRentalCancelled(envelope: EventEnvelope<RentalCancelled>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(AllocationCancelled)
  onAllocationCancelled(envelope: EventEnvelope<AllocationCancelled>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(StorageReleased)
  onStorageReleased(envelope: EventEnvelope<StorageReleased>) {
    return this.views.apply(envelope);
  }
}
