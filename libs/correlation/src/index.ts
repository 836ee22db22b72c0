export * from './correlation-id';
export * from './correlation.module';
