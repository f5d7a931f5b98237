/**
 * One process of the YCSB suite (bench/suites/ycsb.ts forks 1 or 4 of them, with tsx, on an IPC channel): its own
 * Prisma client on the suite's database (DATABASE_URL) and, per run, its own contender on the suite's Redis
 * (REDIS_URL) with 64 clients. Protocol (process.send messages):
 * - parent `{ type: 'build', contender, prefix }` -> worker builds it, answers `{ type: 'built' }`;
 * - parent `{ type: 'go', plan }` -> worker runs the phase, closes the contender, writes its log to a JSON file and
 *   answers `{ type: 'done', file }`;
 * - parent `{ type: 'exit' }` -> worker disconnects and exits.
 * Errors answer `{ type: 'error', message }`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createPrismaClient } from '../../example';
import type { PrismaClient } from '../../generated/prisma/client';
import {
  buildYcsbContenders,
  type ContenderDatabases,
  type YcsbContender,
  type YcsbContenderName,
} from './ycsb-contenders';
import { runPhase, type PhasePlan } from './ycsb-workload';

type Request =
  | { type: 'build'; contender: YcsbContenderName; prefix: string }
  | { type: 'go'; plan: Omit<PhasePlan, 'processIndex' | 'firstSequence'> }
  | { type: 'exit' };

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL as string;
  const capturedUrl = process.env.CAPTURED_DATABASE_URL as string;
  const redisUrl = process.env.REDIS_URL as string;
  const processIndex = Number(process.env.YCSB_PROCESS_INDEX ?? 0);
  const open = async (url: string): Promise<PrismaClient> => {
    const client = createPrismaClient(url);
    // A throwaway database: commit latency, not the disk, as the other suites measure (PostgreSQL: fsync off).
    if (url.startsWith('file:')) await client.$queryRawUnsafe('PRAGMA synchronous = OFF');
    return client;
  };
  const prisma = await open(databaseUrl);
  // The capture contender's database, opened when that contender first runs in this process.
  let captured: Promise<PrismaClient> | null = null;
  const databases: ContenderDatabases = { prisma, capturedUrl, captured: () => (captured ??= open(capturedUrl)), open };
  let built: { contenders: YcsbContender[]; close(): Promise<void> } | null = null;
  let sequence = 1;
  let runs = 0;
  const send = (message: object): void => void process.send?.(message);

  const handle = async (request: Request): Promise<void> => {
    switch (request.type) {
      case 'build':
        built = await buildYcsbContenders(databases, redisUrl, [request.contender], request.prefix);
        return send({ type: 'built' });
      case 'go': {
        const contender = built?.contenders[0];
        if (!built || !contender) throw new Error('ycsb-worker: go before build');
        const { log, nextSequence } = await runPhase(contender, {
          ...request.plan,
          processIndex,
          firstSequence: sequence,
        });
        sequence = nextSequence;
        await built.close();
        built = null;
        runs += 1;
        const file = join(tmpdir(), `ycsb-${process.pid}-${runs}.json`);
        writeFileSync(file, JSON.stringify(log));
        return send({ type: 'done', file });
      }
      case 'exit':
        await prisma.$disconnect();
        if (captured) await (await captured).$disconnect();
        // Not waiting for every socket to drain: process.exit also writes a --cpu-prof profile.
        process.exit(0);
    }
  };
  process.on('message', (request: Request) => {
    handle(request).catch((error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
