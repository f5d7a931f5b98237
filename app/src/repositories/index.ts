export * from './entity-repositories';
