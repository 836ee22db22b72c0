export * from './calendar-date';
export * from './envelope';
export * from './events';
export * from './storage-size';
