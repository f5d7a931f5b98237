import { valueObjectCodec } from 'cachedrepo';
import { AudioFile, type AudioFormat, Rating, StoryLength } from '../domain';

/** How the domain's value objects cross the cache; decoding goes through their constructors, so it re-validates. */
export const ratingCodec = valueObjectCodec<Rating, number>({
  name: 'Rating',
  isApplicable: (value): value is Rating => value instanceof Rating,
  toPlain: (rating) => rating.value,
  fromPlain: (value) => new Rating(value),
});

export const storyLengthCodec = valueObjectCodec<StoryLength, string>({
  name: 'StoryLength',
  isApplicable: (value): value is StoryLength => value instanceof StoryLength,
  toPlain: (length) => length.name,
  fromPlain: (name) => StoryLength.fromName(name),
});

export const audioFileCodec = valueObjectCodec<AudioFile, [string, number, AudioFormat]>({
  name: 'AudioFile',
  isApplicable: (value): value is AudioFile => value instanceof AudioFile,
  toPlain: (audio) => [audio.url, audio.durationSeconds, audio.format],
  fromPlain: ([url, durationSeconds, format]) => new AudioFile(url, durationSeconds, format),
});
