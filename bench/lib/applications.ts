import { bearer } from './tokens';

const SIZES = ['S', 'M', 'L', 'XL'] as const;
const CUSTOMERS = 100;
/** Periods start within this many days: wide enough that the inventory rarely runs out. */
const HORIZON_DAYS = 300;
const MAX_DAYS = 7;
const DAY_MS = 24 * 60 * 60 * 1000;

const dayFromToday = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);

/**
 * What the load sends: applications from a pool of customers, each with its own token, for random
 * sizes and short periods in a location of the run's own, stocked through the API like an
 * operator would (so it works against any running system, too).
 */
export class Applications {
  private sent = 0;

  private constructor(
    readonly location: string,
    private readonly customers: { id: string; authorization: string }[],
  ) {}

  static async prepare(gateway: string, runId: string, unitsPerSize: number): Promise<Applications> {
    const location = `bench-${runId}`;
    await stock(gateway, location, unitsPerSize);
    const customers = await Promise.all(
      Array.from({ length: CUSTOMERS }, async (_, i) => {
        const id = `bench-${runId}-${i}`;
        return { id, authorization: await bearer(id) };
      }),
    );
    return new Applications(location, customers);
  }

  /** One new application: headers and body for POST /rentals. */
  next(): { headers: Record<string, string>; body: string } {
    const customer = this.customers[this.sent++ % this.customers.length];
    const offset = 1 + Math.floor(Math.random() * HORIZON_DAYS);
    const body = {
      customerId: customer.id,
      phone: '+49 30 1234567',
      location: this.location,
      size: SIZES[Math.floor(Math.random() * SIZES.length)],
      startDate: dayFromToday(offset),
      endDate: dayFromToday(offset + Math.floor(Math.random() * MAX_DAYS)),
    };
    return { headers: { 'content-type': 'application/json', authorization: customer.authorization }, body: JSON.stringify(body) };
  }
}

async function stock(gateway: string, location: string, unitsPerSize: number): Promise<void> {
  const authorization = await bearer('bench-operator', 'admin');
  const units = SIZES.flatMap((size) =>
    Array.from({ length: unitsPerSize }, (_, i) => ({ code: `${location}-${size}-${i + 1}`, location, size })),
  );
  let next = 0;
  // A few at a time: stocking is set-up, not the thing measured.
  const worker = async () => {
    while (next < units.length) {
      const unit = units[next++];
      const answer = await fetch(`${gateway}/storage-units`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization },
        body: JSON.stringify(unit),
      });
      if (answer.status !== 201) throw new Error(`Could not add storage unit ${unit.code}: ${answer.status} ${await answer.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
