/**
 * Stale-read counting for the YCSB suite, across processes.
 *
 * Every update writes a version no other update writes (its process and its sequence number), and each process logs
 * when its updates started and completed and when its reads started and which version they returned, on one clock
 * shared by the processes (`sharedClockUs` in ycsb-workload.ts). A read is stale when it returned version v although
 * an update of the same record that started after v's update completed had itself completed before the read started:
 * such an update is newer than v in every order the database could have applied them in, and it was done before the
 * read began.
 *
 * Two updates of one record that overlap in time may be applied in either order, and the client cannot see which:
 * neither counts as newer than the other, so a read returning either is never counted (sound: no read that a correct
 * cache may return is counted; complete for updates that do not overlap). An update that failed (it may or may not
 * have been applied) has no completion time: it never makes a read stale, and a read returning it is never stale.
 */

/** One update, as logged by the process that ran it. Times in microseconds on the shared clock. */
export interface LoggedWrite {
  record: number;
  version: number;
  start: number;
  /** `Infinity` when the update failed. */
  end: number;
}

/** One read: when it started and the version it returned. */
export interface LoggedRead {
  record: number;
  version: number;
  start: number;
}

export interface StaleCount {
  /** Reads checked. */
  reads: number;
  stale: number;
  /** Reads that returned a version no logged update wrote (and not the initial one): a bug of the bench. */
  unknown: number;
  /** Largest staleness seen: how long before the read started the newer update had completed, microseconds. */
  maxLagUs: number;
}

/** The version of every record before the run's first update: written before any time on the clock. */
export const INITIAL_VERSION = 0;

/** Counts the stale reads of a run (see the module comment). Writes and reads of all processes, in any order. */
export function countStaleReads(writes: readonly LoggedWrite[], reads: readonly LoggedRead[]): StaleCount {
  const writesByRecord = new Map<number, LoggedWrite[]>();
  for (const write of writes) {
    const list = writesByRecord.get(write.record);
    if (list) list.push(write);
    else writesByRecord.set(write.record, [write]);
  }
  const readsByRecord = new Map<number, LoggedRead[]>();
  for (const read of reads) {
    const list = readsByRecord.get(read.record);
    if (list) list.push(read);
    else readsByRecord.set(read.record, [read]);
  }
  const result: StaleCount = { reads: reads.length, stale: 0, unknown: 0, maxLagUs: 0 };
  for (const [record, recordReads] of readsByRecord) {
    const recordWrites = (writesByRecord.get(record) ?? []).slice().sort((a, b) => a.end - b.end);
    const endOf = new Map<number, number>([[INITIAL_VERSION, -Infinity]]);
    for (const write of recordWrites) endOf.set(write.version, write.end);
    recordReads.sort((a, b) => a.start - b.start);
    // Sweep: the latest start, and the completion of that update, among updates completed before the read started.
    let next = 0;
    let latestStart = -Infinity;
    let latestEnd = -Infinity;
    for (const read of recordReads) {
      while (next < recordWrites.length && (recordWrites[next] as LoggedWrite).end < read.start) {
        const write = recordWrites[next] as LoggedWrite;
        if (write.start > latestStart) {
          latestStart = write.start;
          latestEnd = write.end;
        }
        next += 1;
      }
      const returnedEnd = endOf.get(read.version);
      if (returnedEnd === undefined) {
        result.unknown += 1;
        continue;
      }
      if (latestStart > returnedEnd) {
        result.stale += 1;
        result.maxLagUs = Math.max(result.maxLagUs, read.start - latestEnd);
      }
    }
  }
  return result;
}

/** The version an update writes: unique across the processes of a run (`process` < 16), increasing per process. */
export function versionOf(processIndex: number, sequence: number): number {
  return sequence * 16 + processIndex;
}

/** The hero description carrying a version, padded to the bench payload's 300 characters. */
export function describeVersion(version: number): string {
  return `v${version} `.padEnd(300, 'x');
}

/** The version a hero description carries, or NaN when it carries none. */
export function versionOfDescription(description: string | null | undefined): number {
  const match = /^v(\d+) /.exec(description ?? '');
  return match ? Number(match[1]) : Number.NaN;
}
