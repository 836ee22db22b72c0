import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClsService } from 'nestjs-cls';
import { Caller } from './caller';
import { ADMIN_ONLY, IS_PUBLIC } from './access.decorators';
import { InvalidTokenError, KeysUnavailableError, TokenVerifier } from './token-verifier';

/** Where the guard keeps the caller's `Authorization` header, for calls made on their behalf (rental → manage). */
export const CALLER_AUTHORIZATION = 'auth:authorization';

export type AuthenticatedRequest = FastifyRequest & { caller?: Caller };

/** RFC 6750's challenge, sent with every 401. */
export function bearerChallenge(message: string): string {
  return `Bearer error="invalid_token", error_description="${message.replace(/"/g, "'")}"`;
}

/** Seconds a client should wait when the issuer's keys cannot be fetched. */
export const KEYS_RETRY_AFTER_SECONDS = 5;

/**
 * Every app checks the token itself, as the gateway did: an app trusts no identity it has not
 * verified, so a request that reaches it around the gateway needs a valid token just the same.
 * HTTP only: events come from the broker, which the app reaches with its own credentials.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly reflector: Reflector,
    private readonly cls: ClsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    try {
      request.caller = await this.verifier.verify(request.headers.authorization);
    } catch (error) {
      if (error instanceof InvalidTokenError) {
        reply.header('www-authenticate', bearerChallenge(error.message));
        throw new UnauthorizedException(error.message);
      }
      if (error instanceof KeysUnavailableError) {
        reply.header('retry-after', String(KEYS_RETRY_AFTER_SECONDS));
        throw new ServiceUnavailableException(error.message);
      }
      throw error;
    }
    if (!request.caller.isAdmin && this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, [context.getHandler(), context.getClass()])) {
      throw new ForbiddenException('Only an admin may do this');
    }
    this.cls.set(CALLER_AUTHORIZATION, request.headers.authorization);
    return true;
  }
}
