export * from './enums';
export * from './value-objects';
export * from './entities';
