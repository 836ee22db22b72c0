export * from './config';
export * from './create-app';
export * from './database';
export * from './domain-errors';
export * from './health/database.probe';
export * from './health/health.module';
export * from './health/readiness-probe';
export * from './uuid-param';
