import { RECEIPT_MESSAGE_PREFIX, type ChangeBatch } from 'cachedrepo/capture';
import { PgoutputSession, type PgoutputMessage } from '../../../src/capture/postgres/pgoutput-session';
import { formatLsn, parseLsn } from '../../../src/capture/postgres/lsn';

const item = { schema: 'public', name: 'item', replicaIdentity: 'full' };
const other = { schema: 'public', name: 'other', replicaIdentity: 'full' };
const begin = (micros = 1_700_000_000_000_000n): PgoutputMessage => ({ tag: 'begin', commitTime: micros });
const commit = (end: string): PgoutputMessage => ({ tag: 'commit', commitEndLsn: end });
const update = (id: string, from: string, to: string, relation = item): PgoutputMessage => ({
  tag: 'update',
  relation,
  old: { id, list: from, name: 'n' },
  new: { id, list: to, name: 'n' },
});

/** A session on a fake stream: what it applied, confirmed and paused, with `apply` answering `accept`. */
function session(options: { accept?: () => boolean; batchSize?: number; maxBuffered?: number } = {}) {
  const applied: ChangeBatch[] = [];
  const confirmed: string[] = [];
  const flow: string[] = [];
  let ended: { error?: unknown } | null = null;
  const subject = new PgoutputSession(
    {
      confirm: (position) => void confirmed.push(formatLsn(position)),
      pause: () => void flow.push('pause'),
      resume: () => void flow.push('resume'),
    },
    async (batch) => {
      applied.push(batch);
      await new Promise((resolve) => setImmediate(resolve));
      return options.accept?.() ?? true;
    },
    {
      schema: 'public',
      columns: new Map([['item', ['id', 'list']]]),
      batchSize: options.batchSize ?? 1000,
      maxBuffered: options.maxBuffered ?? 10_000,
      confirmed: parseLsn('0/100'),
    },
    (error) => void (ended = { error }),
  );
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));
  return { subject, applied, confirmed, flow, settle, ended: () => ended };
}

describe('PgoutputSession', () => {
  it('applies a transaction at its commit with the captured columns only, then confirms its end', async () => {
    const { subject, applied, confirmed, settle } = session();
    for (const message of [begin(), update('a', 'red', 'green'), update('x', 'p', 'q', other), commit('0/200')])
      subject.message(message);
    await settle();
    expect(applied).toEqual([
      {
        changes: [{ table: 'item', before: { id: 'a', list: 'red' }, after: { id: 'a', list: 'green' } }],
        clearAll: undefined,
        committedAt: 1_700_000_000_000,
      },
    ]);
    expect(confirmed).toEqual(['0/200']);
    expect(subject.position).toBe(parseLsn('0/200'));
  });

  it('confirms nothing of a transaction the consumer refused, and ends the session', async () => {
    const { subject, confirmed, settle, ended } = session({ accept: () => false });
    for (const message of [begin(), update('a', 'red', 'green'), commit('0/200'), begin(), commit('0/300')])
      subject.message(message);
    await settle();
    expect(confirmed).toEqual([]);
    expect(ended()).toEqual({ error: undefined });
  });

  it('hands a large transaction over in parts and confirms it once, after the last part', async () => {
    const { subject, applied, confirmed, settle } = session({ batchSize: 2 });
    subject.message(begin());
    for (let index = 0; index < 5; index += 1) subject.message(update(`i${index}`, 'a', 'b'));
    subject.message(commit('0/900'));
    await settle();
    expect(applied.map((batch) => batch.changes.length)).toEqual([2, 2, 1]);
    expect(confirmed).toEqual(['0/900']);
  });

  it('a keepalive between transactions confirms its position; inside one it does not', async () => {
    const { subject, confirmed, settle } = session();
    subject.keepalive('0/150', false);
    subject.message(begin());
    subject.keepalive('0/180', false); // a transaction is being read: its commit is not confirmed yet
    subject.message(update('a', 'red', 'green'));
    subject.message(commit('0/200'));
    subject.keepalive('0/250', true); // asked for a reply: the confirmed position at once, then 0/250 in order
    await settle();
    expect(confirmed).toEqual(['0/150', '0/150', '0/200', '0/250']);
  });

  it('asks to clear the prefix on a TRUNCATE, a change without its old row, or a capture message', async () => {
    const { subject, applied, settle } = session();
    const transactions: PgoutputMessage[][] = [
      [{ tag: 'truncate', relations: [item] }],
      [{ tag: 'delete', relation: { ...item, replicaIdentity: 'default' }, old: null }],
      [{ tag: 'message', prefix: 'cachedrepo', content: Buffer.from('slot dropped') }],
      [{ tag: 'truncate', relations: [other] }],
    ];
    for (const [index, messages] of transactions.entries()) {
      subject.message(begin());
      for (const message of messages) subject.message(message);
      subject.message(commit(`0/${index + 2}00`));
      await settle(); // each read alone: one batch each
    }
    expect(applied.map((batch) => batch.clearAll)).toEqual([
      'TRUNCATE of item',
      'item changed without its old row (REPLICA IDENTITY is not FULL)',
      'slot dropped',
    ]);
  });

  it('positions the changes of a transaction whose writer announced a receipt, and only those', async () => {
    const { subject, applied, settle } = session({ batchSize: 3 });
    const announce: PgoutputMessage = { tag: 'message', prefix: RECEIPT_MESSAGE_PREFIX, content: new Uint8Array() };
    const transactions: PgoutputMessage[][] = [
      [update('a', 'red', 'green'), announce], // the statement's RETURNING writes the message after its row
      [update('b', 'red', 'green')], // a raw write: no announcement
      [{ tag: 'message', prefix: 'cachedrepo:other', content: new Uint8Array() }, update('c', 'red', 'green')],
      [update('d', 'r', 'g'), update('e', 'r', 'g'), update('f', 'r', 'g'), update('g', 'r', 'g'), announce],
    ];
    for (const [index, messages] of transactions.entries()) {
      subject.message({ tag: 'begin', commitTime: 1_700_000_000_000_000n, xid: 4_294_967_000 + index });
      for (const message of messages) subject.message(message);
      subject.message(commit(`0/${index + 2}00`));
      await settle(); // each read alone: one batch each (the last in two: a part before its commit, then the rest)
    }
    const positions = applied.map((batch) => batch.changes.map((change) => [change.after?.id, change.position]));
    expect(positions).toEqual([
      [['a', 4_294_967_000]],
      [['b', undefined]],
      [['c', undefined]],
      [
        ['d', undefined],
        ['e', undefined],
        ['f', undefined],
      ],
      [['g', 4_294_967_003]],
    ]);
  });

  it('applies the transactions waiting behind each other at once, and confirms the last one after', async () => {
    const { subject, applied, confirmed, settle } = session();
    subject.message(begin());
    subject.message(update('a', 'red', 'green'));
    subject.message(commit('0/200'));
    subject.message(begin());
    subject.message({ tag: 'truncate', relations: [item] });
    subject.message(commit('0/300'));
    subject.message(begin());
    subject.message(update('b', 'red', 'blue'));
    subject.message(commit('0/400'));
    await settle();
    expect(applied).toHaveLength(1);
    expect(applied[0]?.changes.map((change) => change.after?.id)).toEqual(['a', 'b']);
    expect(applied[0]?.clearAll).toBe('TRUNCATE of item');
    expect(confirmed).toEqual(['0/400']);
  });

  it('pauses the socket when too many messages wait, and resumes once half are applied', async () => {
    const { subject, flow, settle } = session({ maxBuffered: 4 });
    subject.message(begin());
    for (let index = 0; index < 8; index += 1) subject.message(update(`i${index}`, 'a', 'b'));
    subject.message(commit('0/200'));
    await settle();
    expect(flow).toEqual(['pause', 'resume']);
  });
});
