import type { RentalView } from '../rental-views/rental-view.entity';

/** The text the customer receives for each status they are told about. */
export function notificationMessage(kind: 'CONFIRMED' | 'REJECTED' | 'CANCELLED', view: RentalView): string {
  const what = `${view.size} storage unit in ${view.location} from ${view.startDate} to ${view.endDate}`;
  switch (kind) {
    case 'CONFIRMED':
      return `Your rental is confirmed: unit ${view.unitCode} (${what}).`;
    case 'REJECTED':
      return `Sorry, we could not confirm your rental of a ${what}: ${view.reason ?? 'no unit is free'}.`;
    case 'CANCELLED':
      return `Your rental of a ${what} is cancelled.`;
  }
}
