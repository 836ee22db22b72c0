import { AllocationCancelled, AllocationRequested, EventEnvelope } from '@app/contracts';
import { HandlesEvent } from '@app/messaging';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AssignmentsService } from './assignments.service';

@Controller()
export class AssignmentsConsumer {
  constructor(private readonly assignments: AssignmentsService) {}

  @HandlesEvent(AllocationRequested)
  onAllocationRequested(@Payload() { payload }: EventEnvelope<AllocationRequested>) {
    return this.assignments.assign(payload);
  }

  @HandlesEvent(AllocationCancelled)
  onAllocationCancelled(@Payload() { payload }: EventEnvelope<AllocationCancelled>) {
    return this.assignments.release(payload.rentalId);
  }
}
