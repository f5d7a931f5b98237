import { z } from 'zod';

/** Entity types of the cached repositories, and the two service namespaces. */
export const INVALIDATABLE_TYPES = ['hero', 'child', 'story', 'deck', 'card', 'progress', 'achievements'] as const;
export type InvalidatableType = (typeof INVALIDATABLE_TYPES)[number];

/** An id as the application makes them (a UUID, or a seed's id): printable, no spaces, at most 200 characters. */
const id = z.string().regex(/^[\x21-\x7E]{1,200}$/, 'expected an id of 1 to 200 printable characters without spaces');

/** Body of `POST /admin/cache/invalidate`. */
export const invalidateBody = z.strictObject({
  entityType: z.enum(INVALIDATABLE_TYPES, { error: `expected one of ${INVALIDATABLE_TYPES.join(', ')}` }),
  /** One entity (or, for progress and achievements, one learner); without it, the whole type. */
  id: id.optional(),
});

/** Body of `POST /admin/cache/warm` (optional). */
export const warmBody = z.strictObject({
  /** Learners whose progress to warm. @default CACHE_WARMING_USERS */
  userIds: z.array(id).max(10_000, 'expected at most 10000 user ids').optional(),
});

/** The first problem of a failed parse, as `field: what it expects`. */
export function describeIssue(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      const message = issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}` : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
