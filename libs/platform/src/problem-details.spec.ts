import type { ValidationError } from '@nestjs/common';
import { toProblem, validationProblem } from './problem-details';

describe('toProblem', () => {
  it('makes an answer of before RFC 9457 problem details, keeping its fields for one release', () => {
    expect(toProblem(404, { error: 'RentalNotFoundError', message: 'No rental 42' })).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No rental 42',
      statusCode: 404,
      error: 'RentalNotFoundError',
      message: 'No rental 42',
    });
  });

  it('lists each field at fault of a 400, from its errors or from the one field a rule named', () => {
    const errors = [{ field: 'size', message: 'size must be one of S, M, L, XL' }];
    expect(toProblem(400, { message: ['size must be one of S, M, L, XL'], errors })).toEqual(
      expect.objectContaining({ title: 'Bad Request', detail: 'size must be one of S, M, L, XL', errors, message: [errors[0].message] }),
    );
    expect(toProblem(400, { message: ['endDate must not be before startDate'], field: 'endDate' }).errors).toEqual([
      { field: 'endDate', message: 'endDate must not be before startDate' },
    ]);
  });

  it('says the status phrase when the answer had no message', () => {
    expect(toProblem(502, {})).toEqual(expect.objectContaining({ title: 'Bad Gateway', detail: 'Bad Gateway' }));
  });
});

describe('validationProblem', () => {
  it('names every field, nested ones by their path, with each rule it broke', () => {
    const error = (property: string, constraints?: Record<string, string>, children: ValidationError[] = []) =>
      ({ property, constraints, children }) as ValidationError;
    const answer = validationProblem([
      error('phone', { matches: 'phone must be a phone number', isString: 'phone must be a string' }),
      error('payload', undefined, [error('rentalId', { isUuid: 'rentalId must be a UUID' })]),
    ]).getResponse();
    expect(answer).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['phone must be a phone number', 'phone must be a string', 'rentalId must be a UUID'],
      errors: [
        { field: 'phone', message: 'phone must be a phone number' },
        { field: 'phone', message: 'phone must be a string' },
        { field: 'payload.rentalId', message: 'rentalId must be a UUID' },
      ],
    });
  });
});
