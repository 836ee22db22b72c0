import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { AuthenticatedRequest } from './auth.guard';
import { Caller } from './caller';

/** The verified caller of this request (set by AuthGuard). */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<AuthenticatedRequest>().caller;
  if (!caller) throw new Error('@CurrentCaller() on a route without AuthGuard: mark it @Public() or remove the parameter');
  return caller;
});
