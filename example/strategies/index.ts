export * from './key-schemas';
export * from './value-object-codecs';
export * from './entity-ttl-options';
export * from './hero-cache-strategy';
export * from './child-cache-strategy';
export * from './story-cache-strategy';
export * from './deck-cache-strategy';
export * from './card-cache-strategy';
