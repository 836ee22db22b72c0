import { ALL_EVENTS, EventEnvelope, EventType, StorageAssigned } from '@app/contracts';
import { EventEnvelopeDto } from '@app/contracts';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { findProblem } from './event-consumer';

const envelope = (event: EventType, payload: unknown, overrides: Partial<EventEnvelope> = {}) => ({
  id: randomUUID(),
  type: event.type,
  version: event.version,
  occurredAt: '2030-06-01T10:00:00.000Z',
  correlationId: randomUUID(),
  payload,
  ...overrides,
});

/** What findProblem answered when it built the instances with class-transformer's plainToInstance. */
function withPlainToInstance(event: EventType, data: object): string[] {
  const errors = validateSync(plainToInstance(EventEnvelopeDto, data));
  if (errors.length > 0) return errors.map((e) => e.property);
  return validateSync(plainToInstance(event, (data as EventEnvelope).payload as object)).map((e) => e.property);
}

/** Values each field of a payload is tried with: right for some fields, wrong for others. */
const TRIED = [randomUUID(), 'BER-M-1', '2030-06-01', 'M', 'EUR', '', 42, -1, null, undefined, { nested: true }];

describe('findProblem', () => {
  it('accepts a valid envelope of the event, and names what is wrong in one that is not', () => {
    const rentalId = randomUUID();
    expect(findProblem(StorageAssigned, envelope(StorageAssigned, { rentalId, unitCode: 'BER-M-1' }))).toBeUndefined();
    expect(findProblem(StorageAssigned, envelope(StorageAssigned, { rentalId: 'nope', unitCode: 'BER-M-1' }))).toBe(
      'rentalId must be a UUID',
    );
    expect(findProblem(StorageAssigned, envelope(StorageAssigned, {}, { version: 2 }))).toBe(
      'expected StorageAssigned v1, got StorageAssigned v2',
    );
    expect(findProblem(StorageAssigned, [envelope(StorageAssigned, { rentalId, unitCode: 'BER-M-1' })])).toBe('not a JSON object');
    expect(findProblem(StorageAssigned, envelope(StorageAssigned, 'a string'))).toBe('payload must be an object');
  });

  // The consumer copies the JSON onto an instance instead of plainToInstance, which is the same only
  // while the contracts have no class-transformer decorators: from a valid payload, each field of
  // each event tried with each value must be judged as plainToInstance's instance is.
  it.each(ALL_EVENTS.map((event) => [event.type, event] as const))('judges %s as it did with plainToInstance', (_, event) => {
    const fields = [
      ...new Set(
        getMetadataStorage()
          .getTargetValidationMetadatas(event, '', true, false)
          .map((m) => m.propertyName),
      ),
    ];
    const valid: Record<string, unknown> = {};
    for (const field of fields) {
      valid[field] = TRIED.find((value) => !withPlainToInstance(event, envelope(event, { [field]: value })).includes(field));
    }
    expect(withPlainToInstance(event, envelope(event, valid))).toEqual([]);
    for (const field of fields) {
      for (const value of TRIED) {
        const data = envelope(event, { ...valid, [field]: value });
        const expected = withPlainToInstance(event, data);
        const problem = findProblem(event, data);
        // Valid for both, or invalid for both and naming every field plainToInstance's instance failed on.
        const judged = { valid: problem === undefined, names: expected.filter((property) => problem?.includes(property)) };
        expect({ field, value, ...judged }).toEqual({ field, value, valid: expected.length === 0, names: expected });
      }
    }
  });
});
