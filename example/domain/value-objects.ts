import { DomainValidationError } from './enums';

/** A story rating: an integer from 1 to 5. Immutable. */
export class Rating {
  static readonly MIN = 1;
  static readonly MAX = 5;

  /** @throws {DomainValidationError} unless `value` is an integer in 1..5. */
  constructor(readonly value: number) {
    if (!Number.isInteger(value) || value < Rating.MIN || value > Rating.MAX) {
      throw new DomainValidationError(`Rating must be an integer from ${Rating.MIN} to ${Rating.MAX}, got ${value}`);
    }
  }

  equals(other: Rating): boolean {
    return other.value === this.value;
  }
}

/** How long a story is, with its target word count. */
export class StoryLength {
  static readonly SHORT = new StoryLength('short', 300);
  static readonly MEDIUM = new StoryLength('medium', 800);
  static readonly LONG = new StoryLength('long', 1500);
  private static readonly all = [StoryLength.SHORT, StoryLength.MEDIUM, StoryLength.LONG];

  private constructor(
    readonly name: 'short' | 'medium' | 'long',
    /** Target length in words. */
    readonly wordCount: number,
  ) {}

  /** @throws {DomainValidationError} for a name other than short, medium, long. */
  static fromName(name: string): StoryLength {
    const found = StoryLength.all.find((length) => length.name === name);
    if (!found)
      throw new DomainValidationError(`Story length must be short, medium or long, got ${JSON.stringify(name)}`);
    return found;
  }
}

/** Audio formats a story's narration can have. */
export type AudioFormat = 'mp3' | 'ogg' | 'wav';
const audioFormats: readonly string[] = ['mp3', 'ogg', 'wav'];

/** A story's narration file. */
export class AudioFile {
  /**
   * @param url where the file is served from (http or https)
   * @param durationSeconds length of the narration in seconds, > 0
   * @throws {DomainValidationError} on a malformed url, a non-positive duration or an unknown format.
   */
  constructor(
    readonly url: string,
    readonly durationSeconds: number,
    readonly format: AudioFormat,
  ) {
    if (!/^https?:\/\/\S+$/.test(url))
      throw new DomainValidationError(`Audio url must be http(s), got ${JSON.stringify(url)}`);
    if (!(durationSeconds > 0) || !Number.isFinite(durationSeconds)) {
      throw new DomainValidationError(`Audio duration must be a positive number of seconds, got ${durationSeconds}`);
    }
    if (!audioFormats.includes(format))
      throw new DomainValidationError(`Audio format must be mp3, ogg or wav, got ${JSON.stringify(format)}`);
  }
}
