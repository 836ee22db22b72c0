export * from './correlation-id';
export * from './correlation-logger';
export * from './correlation.module';
