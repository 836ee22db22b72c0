import { ArgumentsHost, Catch, ExceptionFilter, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** A rule of the business said no. Subclasses say which kind of no; the filter maps it to HTTP. */
export abstract class DomainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Input that passed the shape checks but breaks a rule; named by field, answered like a validation error. */
export class InvalidInputError extends DomainError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The caller is known but may not do this (a customer acting for another, or for an admin's task). */
export class ForbiddenError extends DomainError {}
export class NotFoundError extends DomainError {}
export class ConflictError extends DomainError {}
export class UnprocessableError extends DomainError {}

/** Something we depend on cannot serve now; the client should try again after a while. */
export class TemporarilyUnavailableError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

const STATUS_OF: [new (...args: never[]) => DomainError, HttpStatus][] = [
  [InvalidInputError, HttpStatus.BAD_REQUEST],
  [ForbiddenError, HttpStatus.FORBIDDEN],
  [NotFoundError, HttpStatus.NOT_FOUND],
  [ConflictError, HttpStatus.CONFLICT],
  [UnprocessableError, HttpStatus.UNPROCESSABLE_ENTITY],
  [TemporarilyUnavailableError, HttpStatus.SERVICE_UNAVAILABLE],
];

@Catch(DomainError)
export class DomainErrorFilter implements ExceptionFilter<DomainError> {
  catch(error: DomainError, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const statusCode = STATUS_OF.find(([type]) => error instanceof type)?.[1] ?? HttpStatus.INTERNAL_SERVER_ERROR;
    if (error instanceof TemporarilyUnavailableError) reply.header('retry-after', String(error.retryAfterSeconds));
    if (error instanceof InvalidInputError) {
      // The same shape as the ValidationPipe's answer, so clients handle one kind of 400.
      reply.status(statusCode).send({ statusCode, error: 'Bad Request', message: [error.message], field: error.field });
      return;
    }
    reply.status(statusCode).send({ statusCode, error: error.name, message: error.message });
  }
}
