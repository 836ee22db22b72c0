import { Module } from '@nestjs/common';
import { ManageClient } from './manage.client';

/** One ManageClient (one circuit breaker) shared by the rentals service and the health probe. */
@Module({ providers: [ManageClient], exports: [ManageClient] })
export class ManageClientModule {}
