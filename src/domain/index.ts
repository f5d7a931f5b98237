export * from './enums';
export * from './value-objects';
export * from './entity';
export * from './entities';
