export * from './repository';
export * from './entity-repositories';
