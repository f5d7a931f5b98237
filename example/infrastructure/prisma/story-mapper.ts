import type { Prisma, Story as StoryRow } from '../../../generated/prisma/client';
import { AudioFile, Language, parseEnum, Rating, StoryLength, type AudioFormat, type Story } from '../../domain';
import type { EntityChanges, NewEntity } from 'cachedrepo';
import type { RowMapper } from 'cachedrepo/prisma';
import { ifDefined } from 'cachedrepo/prisma';

type AudioColumns = Pick<StoryRow, 'audioUrl' | 'audioDurationSeconds' | 'audioFormat'>;

/** An AudioFile only when all three audio columns are set. */
function audioFromColumns(row: AudioColumns): AudioFile | null {
  if (row.audioUrl === null || row.audioDurationSeconds === null || row.audioFormat === null) return null;
  return new AudioFile(row.audioUrl, row.audioDurationSeconds, row.audioFormat as AudioFormat);
}

function audioToColumns(audio: AudioFile | null): AudioColumns {
  if (audio === null) return { audioUrl: null, audioDurationSeconds: null, audioFormat: null };
  // Re-validated: a plain object shaped like an AudioFile would otherwise be stored unchecked.
  const valid = new AudioFile(audio.url, audio.durationSeconds, audio.format);
  return { audioUrl: valid.url, audioDurationSeconds: valid.durationSeconds, audioFormat: valid.format };
}

const ratingValue = (rating: Rating | null): number | null => (rating === null ? null : new Rating(rating.value).value);
const lengthName = (length: StoryLength): string => StoryLength.fromName(length.name).name;
const language = (value: string): Language => parseEnum(Language, value, 'Story.language');

export const storyMapper: RowMapper<Story, StoryRow> = {
  toDomain(row: StoryRow): Story {
    return {
      id: row.id,
      title: row.title,
      content: row.content,
      language: language(row.language),
      length: StoryLength.fromName(row.length),
      childId: row.childId,
      heroId: row.heroId ?? null,
      rating: row.rating === null ? null : new Rating(row.rating),
      audioFile: audioFromColumns(row),
      createdAt: row.createdAt,
    };
  },

  toCreateData(input: NewEntity<Story>): Prisma.StoryUncheckedCreateInput {
    return {
      id: input.id,
      title: input.title,
      content: input.content,
      language: language(input.language),
      length: lengthName(input.length),
      childId: input.childId,
      heroId: input.heroId ?? null,
      rating: ratingValue(input.rating ?? null),
      ...audioToColumns(input.audioFile ?? null),
    };
  },

  toUpdateData(changes: EntityChanges<Story>): Prisma.StoryUncheckedUpdateInput {
    return {
      title: changes.title,
      content: changes.content,
      language: ifDefined(changes.language, language),
      length: ifDefined(changes.length, lengthName),
      childId: changes.childId,
      heroId: changes.heroId,
      rating: ifDefined(changes.rating, ratingValue),
      ...ifDefined(changes.audioFile, audioToColumns),
    };
  },
};
