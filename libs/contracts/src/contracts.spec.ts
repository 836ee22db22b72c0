import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ALL_EVENTS, EventEnvelopeDto, StorageAssigned, isCalendarDate, routingKeyOf } from '.';

describe('event contracts', () => {
  it.each(ALL_EVENTS.map((event) => [event.type, event]))('%s has a routing key made of its type and version', (_type, event) => {
    expect(event.routingKey).toBe(routingKeyOf(event.type, event.version));
  });

  it('gives each event a distinct type', () => {
    const types = ALL_EVENTS.map((event) => event.type);
    expect(new Set(types).size).toBe(types.length);
  });

  it('validates payloads with the event class', () => {
    const good = plainToInstance(StorageAssigned, {
      rentalId: '0b6f9f3e-8a56-4b0e-9d8e-5b6f2b8b2f0a',
      unitCode: 'BER-S-01',
    });
    const bad = plainToInstance(StorageAssigned, { rentalId: 'nope' });
    expect(validateSync(good)).toHaveLength(0);
    expect(
      validateSync(bad)
        .map((e) => e.property)
        .sort(),
    ).toEqual(['rentalId', 'unitCode']);
  });
});

describe('the envelope', () => {
  const envelope = (changes: object) =>
    plainToInstance(EventEnvelopeDto, {
      id: '0b6f9f3e-8a56-4b0e-9d8e-5b6f2b8b2f0a',
      type: 'StorageAssigned',
      version: 1,
      occurredAt: '2030-01-01T00:00:00.000Z',
      correlationId: 'apply-flow',
      payload: {},
      ...changes,
    });

  it('takes a causationId as an addition to version 1: absent (caused by a request) or the id of a message', () => {
    expect(validateSync(envelope({}))).toHaveLength(0);
    expect(validateSync(envelope({ causationId: '5d0b1e1c-7f0e-4a57-9a43-2f3f1b3c9d10' }))).toHaveLength(0);
    expect(validateSync(envelope({ causationId: 'not-a-message-id' })).map((e) => e.property)).toEqual(['causationId']);
  });
});

describe('isCalendarDate', () => {
  it.each(['2026-01-01', '2028-02-29', '2026-12-31'])('accepts %s', (date) => {
    expect(isCalendarDate(date)).toBe(true);
  });

  it('agrees with the calendar (Date) on every day written YYYY-MM-DD of 1900, 2000, 2026 to 2028 and 2100, real or not', () => {
    const byDate = (text: string) => new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
    const pad = (n: number) => String(n).padStart(2, '0');
    for (const year of [1900, 2000, 2026, 2027, 2028, 2100]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${year}-${pad(month)}-${pad(day)}`;
          const real = month >= 1 && month <= 12 && day >= 1 && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && byDate(text);
          expect([text, isCalendarDate(text)]).toEqual([text, real]);
        }
      }
    }
  });

  it.each(['2026-02-30', '2027-02-29', '2026-13-01', '2026-1-01', '26-01-01', '2026-01-01T00:00:00Z', 20260101, null])(
    'rejects %s',
    (date) => {
      expect(isCalendarDate(date)).toBe(false);
    },
  );
});
