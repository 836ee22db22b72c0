export * from './auth.guard';
export * from './auth.module';
export * from './caller';
export * from './caller.decorator';
export * from './access.decorators';
export * from './token-verifier';
export * from './auth.config';
