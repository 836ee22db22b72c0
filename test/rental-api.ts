import { Answer, dayFromToday, eventually, newCustomer, newLocation, request } from './harness';
import { ADMIN, as } from './tokens';

const UNITS_PER_SIZE_AT_DEFAULT_LOCATION = 25;

/**
 * The calls a customer and an operator make, through the gateway. Each call carries the token a
 * real client would: an application its customer's, a rental's later calls its owner's (the
 * owners of the rentals applied for here are remembered), inventory an admin's.
 */
export class RentalApi {
  private defaultLocation?: Promise<string>;
  private readonly owners = new Map<string, string>();

  constructor(private readonly gateway: string) {}

  /**
   * A location of this test file's own, well stocked, for applications that name none: the seeded
   * inventory is shared by every test file in a run, and earlier ones may have filled it.
   */
  location(): Promise<string> {
    this.defaultLocation ??= (async () => {
      const location = newLocation();
      for (const size of ['S', 'M', 'L', 'XL']) await this.addUnits(location, size, UNITS_PER_SIZE_AT_DEFAULT_LOCATION);
      return location;
    })();
    // A failed attempt (assign down at that moment) is not kept: the next caller tries again.
    this.defaultLocation.catch(() => (this.defaultLocation = undefined));
    return this.defaultLocation;
  }

  async addUnits(location: string, size: string, count: number): Promise<void> {
    const answers = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        request('POST', `${this.gateway}/storage-units`, { code: `${location}-${size}-${i + 1}`, location, size }, ADMIN),
      ),
    );
    const failed = answers.filter((a) => a.status !== 201);
    if (failed.length > 0) throw new Error(`could not stock ${location}: ${JSON.stringify(failed[0].body)}`);
  }

  async apply(overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
    const body = {
      customerId: newCustomer(),
      phone: '+49 30 1234567',
      location: overrides.location ?? (await this.location()),
      size: 'M',
      startDate: dayFromToday(10),
      endDate: dayFromToday(20),
      ...overrides,
    };
    const applicant = typeof body.customerId === 'string' ? body.customerId : newCustomer();
    const answer = await request('POST', `${this.gateway}/rentals`, body, { ...as(applicant), ...headers });
    if (answer.status === 201) this.owners.set(answer.body.id, answer.body.customerId);
    return answer;
  }

  /** The owner's token for a rental applied for through this api, else an admin's. */
  private callerOf(rentalId: string): Record<string, string> {
    const owner = this.owners.get(rentalId);
    return owner ? as(owner) : ADMIN;
  }

  rental(id: string) {
    return request('GET', `${this.gateway}/rentals/${id}`, undefined, this.callerOf(id));
  }

  cancel(id: string) {
    return request('DELETE', `${this.gateway}/rentals/${id}`, undefined, this.callerOf(id));
  }

  view(id: string) {
    return request('GET', `${this.gateway}/rental-views/${id}`, undefined, this.callerOf(id));
  }

  notifications(customerId: string) {
    return request('GET', `${this.gateway}/notifications?customerId=${encodeURIComponent(customerId)}`, undefined, as(customerId));
  }

  allocation(id: string) {
    return request('GET', `${this.gateway}/allocations/${id}`, undefined, this.callerOf(id));
  }

  /**
   * Waits for the read model to show the status, with the application's details, and returns the
   * view. Events reach view in any order: an outcome can arrive before RentalRequested, and the
   * view is CONFIRMED for a moment before it knows whose rental it is.
   */
  async viewWithStatus(id: string, status: string, timeoutMs = 20_000) {
    const answer = await eventually(
      () => this.view(id),
      (a) => a.status === 200 && a.body.status === status && Boolean(a.body.requestedAt),
      {
        timeoutMs,
        message: `rental ${id} did not reach ${status} in the view`,
      },
    );
    return answer.body;
  }

  /** Waits until the read model shows an outcome (anything but REQUESTED), with the application's details. */
  async settledView(id: string, timeoutMs = 30_000) {
    const answer = await eventually(
      () => this.view(id),
      (a) => a.status === 200 && a.body.status !== 'REQUESTED' && Boolean(a.body.requestedAt),
      {
        timeoutMs,
        message: `rental ${id} did not settle`,
      },
    );
    return answer.body;
  }
}
