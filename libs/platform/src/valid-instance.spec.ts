import { ALL_EVENTS, EventEnvelopeDto } from '@app/contracts';
import { IsString, ValidateNested, getMetadataStorage, validateSync } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { isValidInstance } from './valid-instance';

/** Values each field is tried with: right for some fields, wrong for others. */
const TRIED = [
  randomUUID(),
  'BER-M-1',
  '2030-06-01',
  '2030-02-30',
  '2030-06-01T10:00:00.000Z',
  'M',
  'EUR',
  'StorageAssigned',
  'x'.repeat(129),
  '',
  42,
  1,
  0,
  -1,
  1.5,
  '42',
  true,
  null,
  undefined,
  { nested: true },
  [randomUUID()],
];

const fieldsOf = (type: new () => object) => [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(type, '', false, false)
      .map((m) => m.propertyName),
  ),
];

const judged = (type: new () => object, fields: Record<string, unknown>) => {
  const instance = Object.assign(new type(), fields);
  return { compiled: isValidInstance(instance), validateSync: validateSync(instance).length === 0 };
};

describe('isValidInstance', () => {
  // From a valid instance, each field tried with each value, and pairs of fields at once: the
  // compiled check must say what validateSync says, every time.
  it.each([EventEnvelopeDto, ...ALL_EVENTS].map((type) => [type.name, type] as const))('judges %s as validateSync does', (_, type) => {
    const fields = fieldsOf(type);
    const valid: Record<string, unknown> = {};
    for (const field of fields) valid[field] = TRIED.find((value) => !fieldFails(type, field, value));
    expect(judged(type, valid)).toEqual({ compiled: true, validateSync: true });
    const disagreements = [];
    for (const field of fields)
      for (const value of TRIED) {
        const one = judged(type, { ...valid, [field]: value });
        if (one.compiled !== one.validateSync) disagreements.push({ field, value, ...one });
        for (const other of fields) {
          const two = judged(type, { ...valid, [field]: value, [other]: TRIED[(TRIED.indexOf(value) + 3) % TRIED.length] });
          if (two.compiled !== two.validateSync) disagreements.push({ field, value, other, ...two });
        }
      }
    expect(disagreements).toEqual([]);
  });

  it('leaves a class with a kind of rule it does not know to validateSync', () => {
    class Inner {
      @IsString() name!: string;
    }
    class Outer {
      @ValidateNested() inner!: Inner;
    }
    expect(isValidInstance(Object.assign(new Outer(), { inner: new Inner() }))).toBeUndefined();
  });
});

/** Whether validateSync names this field when it alone has this value. */
function fieldFails(type: new () => object, field: string, value: unknown): boolean {
  return validateSync(Object.assign(new type(), { [field]: value })).some((error) => error.property === field);
}
