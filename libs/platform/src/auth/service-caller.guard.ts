import { CanActivate, ExecutionContext, ForbiddenException, Injectable, SetMetadata, UseGuards, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { SERVICE_TOKEN_HEADER, ServiceTokenRefusedError, ServiceTokens } from './service-tokens';

const CALLED_BY = 'auth:called-by';

/**
 * Runs after AuthGuard (which checked the customer's token) and before any pipe, so a caller
 * that is not one of the named apps learns nothing about the body it sent: 403.
 */
@Injectable()
export class ServiceCallerGuard implements CanActivate {
  constructor(
    private readonly tokens: ServiceTokens,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const allowed = this.reflector.getAllAndOverride<string[]>(CALLED_BY, [context.getHandler(), context.getClass()]);
    const token = context.switchToHttp().getRequest<FastifyRequest>().headers[SERVICE_TOKEN_HEADER];
    try {
      await this.tokens.verify(typeof token === 'string' ? token : undefined, allowed);
    } catch (error) {
      if (error instanceof ServiceTokenRefusedError) throw new ForbiddenException(error.message);
      throw error;
    }
    return true;
  }
}

/** Only these apps may call the route, each with its service token beside the customer's bearer token. */
export const CalledBy = (...apps: string[]) =>
  applyDecorators(
    SetMetadata(CALLED_BY, apps),
    UseGuards(ServiceCallerGuard),
    ApiHeader({ name: SERVICE_TOKEN_HEADER, required: true, description: `A service token of ${apps.join(' or ')}` }),
  );
