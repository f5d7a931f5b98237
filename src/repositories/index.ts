export * from './repository';
export * from './entity-repositories';
export * from './outbox-recording';
