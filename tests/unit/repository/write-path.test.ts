import { writePathOf, type WritePathOptions } from '../../../src/repository/write-path';
import type { CapturedTable } from '../../../src/repository/captured-table';

interface Book {
  id: string;
  title: string;
}

/** A base that records which of its writes was called. */
function recordingBase(keyed: boolean) {
  const calls: string[] = [];
  const book: Book = { id: 'b1', title: 'T' };
  const change = { before: book, after: book };
  const base = {
    recordsWritesInOutbox: true as const,
    findById: async () => book,
    findAll: async () => [book],
    findByIds: async () => [book],
    save: async () => (calls.push('save'), book),
    update: async () => (calls.push('update'), book),
    delete: async () => (calls.push('delete'), book),
    updateReturningBeforeImage: async () => (calls.push('updateReturningBeforeImage'), change),
    saveRecorded: async () => (calls.push('saveRecorded'), book),
    updateRecorded: async () => (calls.push('updateRecorded'), change),
    deleteRecorded: async () => (calls.push('deleteRecorded'), book),
    ...(keyed && {
      updateReturningKeyState: async (_id: string, _changes: unknown, tables: readonly CapturedTable<Book>[]) => (
        calls.push(`updateReturningKeyState:${tables.map((table) => table.table).join()}`),
        change
      ),
    }),
  };
  return { base, calls };
}

const keyTables: CapturedTable<Book>[] = [
  { table: 'Book', columns: ['id'], toEntity: (row) => row as unknown as Book },
];

describe('writePathOf', () => {
  const state = { records: true, captured: false };
  const options = (overrides: Partial<WritePathOptions<Book>> = {}): WritePathOptions<Book> => ({
    withOutbox: true,
    recordsNow: () => state.records,
    capturedNow: () => state.captured,
    affected: () => [],
    keyTables,
    ...overrides,
  });

  beforeEach(() => {
    state.records = true;
    state.captured = false;
  });

  const writeAll = async (path: ReturnType<typeof writePathOf<Book>>) => {
    await path.save({ title: 'T' } as never);
    await path.update('b1', { title: 'U' });
    await path.delete('b1');
  };

  it('records every write in the outbox while no capture reads the entity', async () => {
    const { base, calls } = recordingBase(true);
    await writeAll(writePathOf<Book>(base, 'book', options()));
    expect(calls).toEqual(['saveRecorded', 'updateRecorded', 'deleteRecorded']);
  });

  it('decides on every write: plain writes, and the keyed update, while capture reads the entity', async () => {
    const { base, calls } = recordingBase(true);
    const path = writePathOf<Book>(base, 'book', options());
    state.records = false;
    state.captured = true;
    await writeAll(path);
    state.records = true;
    state.captured = false;
    await path.update('b1', { title: 'V' });
    expect(calls).toEqual(['save', 'updateReturningKeyState:Book', 'delete', 'updateRecorded']);
  });

  it('uses the exact update while captured when the base has no keyed update or no table is declared', async () => {
    state.records = false;
    state.captured = true;
    const plainBase = recordingBase(false);
    await writePathOf<Book>(plainBase.base, 'book', options()).update('b1', { title: 'U' });
    const undeclared = recordingBase(true);
    await writePathOf<Book>(undeclared.base, 'book', options({ keyTables: [] })).update('b1', { title: 'U' });
    expect([...plainBase.calls, ...undeclared.calls]).toEqual([
      'updateReturningBeforeImage',
      'updateReturningBeforeImage',
    ]);
  });

  it('without an outbox, writes plainly, keyed while captured', async () => {
    const { base, calls } = recordingBase(true);
    const path = writePathOf<Book>(base, 'book', options({ withOutbox: false }));
    await path.update('b1', { title: 'U' });
    state.captured = true;
    await path.update('b1', { title: 'V' });
    expect(calls).toEqual(['updateReturningBeforeImage', 'updateReturningKeyState:Book']);
  });
});
