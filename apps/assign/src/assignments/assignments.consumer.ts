import { AllocationCancelled, AllocationRequested, EventEnvelope } from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Injectable } from '@nestjs/common';
import { AssignmentsService } from './assignments.service';

@Injectable()
export class AssignmentsConsumer {
  constructor(private readonly assignments: AssignmentsService) {}

  @HandlesEvent(AllocationRequested)
  onAllocationRequested({ payload }: EventEnvelope<AllocationRequested>) {
    return this.assignments.assign(payload);
  }

  @HandlesEvent(AllocationCancelled)
  onAllocationCancelled({ payload }: EventEnvelope<AllocationCancelled>) {
    return this.assignments.release(payload.rentalId);
  }
}
