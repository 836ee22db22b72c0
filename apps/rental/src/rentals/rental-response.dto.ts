import { Rental } from './rental.entity';

/** What clients see of a rental: money as a decimal amount, no internal bookkeeping. */
export function toRentalResponse(rental: Rental) {
  return {
    id: rental.id,
    customerId: rental.customerId,
    phone: rental.phone,
    location: rental.location,
    size: rental.size,
    startDate: rental.startDate,
    endDate: rental.endDate,
    cost: rental.costCents / 100,
    currency: rental.currency,
    status: rental.status,
    unitCode: rental.unitCode ?? undefined,
    reason: rental.reason ?? undefined,
    createdAt: rental.createdAt,
    updatedAt: rental.updatedAt,
  };
}
