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
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { RentalViewsService } from './rental-views.service';

/** Every event about a rental lands in its view and its history; the events differ only in the facts they carry. */
@Controller()
export class RentalViewsConsumer {
  constructor(private readonly views: RentalViewsService) {}

  @HandlesEvent(RentalRequested)
  onRentalRequested(@Payload() envelope: EventEnvelope<RentalRequested>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(AllocationRequested)
  onAllocationRequested(@Payload() envelope: EventEnvelope<AllocationRequested>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(StorageAssigned)
  onStorageAssigned(@Payload() envelope: EventEnvelope<StorageAssigned>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(StorageUnavailable)
  onStorageUnavailable(@Payload() envelope: EventEnvelope<StorageUnavailable>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(RentalCancelled)
  onRentalCancelled(@Payload() envelope: EventEnvelope<RentalCancelled>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(AllocationCancelled)
  onAllocationCancelled(@Payload() envelope: EventEnvelope<AllocationCancelled>) {
    return this.views.apply(envelope);
  }

  @HandlesEvent(StorageReleased)
  onStorageReleased(@Payload() envelope: EventEnvelope<StorageReleased>) {
    return this.views.apply(envelope);
  }
}
