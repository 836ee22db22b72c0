import { Answer, dayFromToday, eventually, newCustomer, request } from './harness';

/** The calls a customer and an operator make, through the gateway. */
export class RentalApi {
  constructor(private readonly gateway: string) {}

  addUnits(location: string, size: string, count: number) {
    return Promise.all(
      Array.from({ length: count }, (_, i) =>
        request('POST', `${this.gateway}/storage-units`, { code: `${location}-${size}-${i + 1}`, location, size }),
      ),
    );
  }

  apply(overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
    const body = {
      customerId: newCustomer(),
      phone: '+49 30 1234567',
      location: 'berlin',
      size: 'M',
      startDate: dayFromToday(10),
      endDate: dayFromToday(20),
      ...overrides,
    };
    return request('POST', `${this.gateway}/rentals`, body, headers);
  }

  rental(id: string) {
    return request('GET', `${this.gateway}/rentals/${id}`);
  }

  cancel(id: string) {
    return request('DELETE', `${this.gateway}/rentals/${id}`);
  }

  view(id: string) {
    return request('GET', `${this.gateway}/rental-views/${id}`);
  }

  notifications(customerId: string) {
    return request('GET', `${this.gateway}/notifications?customerId=${encodeURIComponent(customerId)}`);
  }

  allocation(id: string) {
    return request('GET', `${this.gateway}/allocations/${id}`);
  }

  /** Waits for the read model to show the status, and returns the view. */
  async viewWithStatus(id: string, status: string, timeoutMs = 20_000) {
    const answer = await eventually(() => this.view(id), (a) => a.status === 200 && a.body.status === status, {
      timeoutMs,
      message: `rental ${id} did not reach ${status} in the view`,
    });
    return answer.body;
  }

  /** Waits until the read model shows an outcome (anything but REQUESTED). */
  async settledView(id: string, timeoutMs = 30_000) {
    const answer = await eventually(() => this.view(id), (a) => a.status === 200 && a.body.status !== 'REQUESTED', {
      timeoutMs,
      message: `rental ${id} did not settle`,
    });
    return answer.body;
  }
}
