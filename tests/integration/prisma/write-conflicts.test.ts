import { isWriteConflict, retryOnWriteConflict } from '../../../src/prisma/write-conflicts';

/** An error shaped as Prisma's known request errors are (name and code), as any generated client throws them. */
function prismaError(code: string): Error {
  const error = new Error(`prisma ${code}`);
  error.name = 'PrismaClientKnownRequestError';
  return Object.assign(error, { code });
}

describe('retryOnWriteConflict', () => {
  it('runs the transaction again after a write conflict (P2034) and returns its result', async () => {
    let attempts = 0;
    const result = await retryOnWriteConflict(async () => {
      attempts += 1;
      if (attempts < 3) throw prismaError('P2034');
      return 'done';
    });
    expect([result, attempts]).toEqual(['done', 3]);
  });

  it('does not retry any other error', async () => {
    let attempts = 0;
    await expect(
      retryOnWriteConflict(async () => {
        attempts += 1;
        throw prismaError('P2025');
      }),
    ).rejects.toThrow('prisma P2025');
    expect(attempts).toBe(1);
  });

  it('gives up after 20 attempts with the last conflict', async () => {
    let attempts = 0;
    await expect(
      retryOnWriteConflict(async () => {
        attempts += 1;
        throw prismaError('P2034');
      }),
    ).rejects.toThrow('prisma P2034');
    expect(attempts).toBe(20);
  });

  it('recognizes conflicts by name and code only', () => {
    expect([
      isWriteConflict(prismaError('P2034')),
      isWriteConflict(new Error('P2034')),
      isWriteConflict('P2034'),
    ]).toEqual([true, false, false]);
  });
});
