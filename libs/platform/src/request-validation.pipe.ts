import { ValidationPipe } from '@nestjs/common';
import type { ValidationError, ValidatorOptions } from 'class-validator';
import { validationProblem } from './problem-details';
import { isValidInstance } from './valid-instance';

/**
 * Every app's pipe for bodies, queries and parameters: Nest's ValidationPipe that refuses unknown
 * properties and transforms to the DTO class, except that a valid DTO is passed by its rules
 * called directly (isValidInstance). Anything it does not pass meets class-validator as before,
 * so every 400 is the pipe's own.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({ whitelist: true, forbidNonWhitelisted: true, transform: true, exceptionFactory: validationProblem });
  }

  protected override validate(object: object, validatorOptions?: ValidatorOptions): Promise<ValidationError[]> | ValidationError[] {
    if (isValidInstance(object, { forbidUnknownProperties: true })) return [];
    return super.validate(object, validatorOptions);
  }
}
