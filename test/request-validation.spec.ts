import { ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { AvailabilityQuery } from '../apps/assign/src/availability/availability.dto';
import { AddStorageUnitDto, ListStorageUnitsQuery } from '../apps/assign/src/storage-units/add-storage-unit.dto';
import { RequestAllocationDto } from '../apps/manage/src/allocations/request-allocation.dto';
import { ApplyRentalDto } from '../apps/rental/src/rentals/apply-rental.dto';
import { ListByCustomerQuery } from '../apps/view/src/list-by-customer.query';
import { validationProblem } from '../libs/platform/src/problem-details';
import { RequestValidationPipe } from '../libs/platform/src/request-validation.pipe';

const DTOS = [ApplyRentalDto, RequestAllocationDto, AddStorageUnitDto, ListStorageUnitsQuery, AvailabilityQuery, ListByCustomerQuery];

/** Values each field is tried with: right for some fields, wrong for others (query values arrive as strings). */
const TRIED = [
  randomUUID(),
  'alice',
  '+49 30 1234567',
  'berlin',
  'BER-M-01',
  'M',
  'XXL',
  '2030-06-01',
  '2030-02-30',
  '3',
  '0',
  '100001',
  'x'.repeat(65),
  '',
  '\u0000',
  42,
  null,
  undefined,
  { nested: true },
];

const fieldsOf = (type: new () => object) => [
  ...new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(type, '', false, false)
      .map((m) => m.propertyName),
  ),
];

/** What a pipe makes of the input: the DTO it passes on, or the 400 it answers. */
async function outcome(pipe: ValidationPipe, type: new () => object, input: Record<string, unknown>) {
  try {
    return { passed: await pipe.transform({ ...input }, { type: 'body', metatype: type }) };
  } catch (error) {
    return { refused: (error as { getResponse?: () => unknown }).getResponse?.() ?? String(error) };
  }
}

/**
 * RequestValidationPipe passes a valid DTO without class-validator's executor: for every DTO of
 * the apps, each field tried with each value, pairs of fields, and an unknown property, it must
 * pass on and refuse exactly what Nest's ValidationPipe with the same options does, with the same 400.
 */
describe('RequestValidationPipe', () => {
  const ours = new RequestValidationPipe();
  const nests = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: validationProblem });

  it.each(DTOS.map((type) => [type.name, type] as const))('passes and refuses %s as the ValidationPipe does', async (_, type) => {
    const fields = fieldsOf(type);
    const inputs: Record<string, unknown>[] = [{}, { unknown: 'x' }];
    for (const field of fields)
      for (const [i, value] of TRIED.entries()) {
        inputs.push({ [field]: value });
        for (const other of fields) inputs.push({ [field]: value, [other]: TRIED[(i + 5) % TRIED.length] });
      }
    // From a body that passes, too: each field spoilt in turn, and an unknown property added.
    const valid: Record<string, unknown> = {};
    for (const field of fields) {
      for (const value of TRIED) {
        const candidate = { ...valid, [field]: value };
        const judged = await outcome(nests, type, candidate);
        const refusedFor = JSON.stringify((judged as { refused?: unknown }).refused ?? '');
        if (!refusedFor.includes(`"${field}"`)) {
          valid[field] = value;
          break;
        }
      }
    }
    inputs.push(valid, { ...valid, unknown: 'x' }, ...fields.flatMap((field) => TRIED.map((value) => ({ ...valid, [field]: value }))));
    let passed = 0;
    const disagreements = [];
    for (const input of inputs) {
      const [mine, theirs] = [await outcome(ours, type, input), await outcome(nests, type, input)];
      if ('passed' in theirs) passed += 1;
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) disagreements.push({ input, mine, theirs });
    }
    expect(disagreements).toEqual([]);
    expect(passed).toBeGreaterThan(0);
  });
});
