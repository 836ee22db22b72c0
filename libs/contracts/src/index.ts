export * from './calendar-date';
export * from './envelope';
export * from './events';
export * from './plain-text';
export * from './storage-size';
export * from './subscriptions';
export * from './http-headers';
export * from './location';
