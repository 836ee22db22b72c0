import { DynamicModule, Global, Module } from '@nestjs/common';
import { ServiceCallerGuard } from './service-caller.guard';
import { SERVICE_NAME, ServiceTokens } from './service-tokens';

/** For the apps that call each other (rental → manage): their service tokens, signed and checked. */
@Global()
@Module({})
export class ServiceIdentityModule {
  static forRoot(app: string): DynamicModule {
    return {
      module: ServiceIdentityModule,
      providers: [{ provide: SERVICE_NAME, useValue: app }, ServiceTokens, ServiceCallerGuard],
      exports: [ServiceTokens, ServiceCallerGuard],
    };
  }
}
