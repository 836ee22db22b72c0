import { BadRequestException, Param, ParseUUIDPipe } from '@nestjs/common';

/** A path parameter that must be a UUID, refused like the ValidationPipe refuses a field, the parameter named. */
export function UuidParam(name: string): ParameterDecorator {
  const message = `${name} must be a UUID`;
  return Param(
    name,
    new ParseUUIDPipe({
      exceptionFactory: () =>
        new BadRequestException({ statusCode: 400, error: 'Bad Request', message: [message], errors: [{ field: name, message }] }),
    }),
  );
}
