/**
 * How every suite measures: contenders take turns in interleaved rounds whose start rotates
 * (round r starts with contender r mod n), so that drift (JIT, GC, the other processes on the
 * machine) hits each alike; the first round is a warm-up and is dropped. Latencies are per
 * call (microseconds); CPU is process CPU time (user + system) per call over each turn.
 */

/** One contender: a name and one operation (a read, a write...). */
export interface Contender {
  name: string;
  call: () => Promise<unknown>;
}

/** Latency and CPU of one contender. Microseconds. */
export interface Measured {
  name: string;
  samples: number;
  median: number;
  p99: number;
  /** CPU microseconds per call: the median over the turns. */
  cpu: number;
}

/** Nearest-rank percentile `p` (0-100) of ascending `sorted`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Rounds of `perTurn` sequential calls per contender; round 0 is the warm-up. */
export async function interleaved(
  contenders: readonly Contender[],
  rounds: number,
  perTurn: number | ((name: string) => number),
): Promise<Measured[]> {
  const latencies = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
  const cpus = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
  for (let round = 0; round <= rounds; round += 1) {
    for (let i = 0; i < contenders.length; i += 1) {
      const { name, call } = contenders[(round + i) % contenders.length] as Contender;
      const count = typeof perTurn === 'number' ? perTurn : perTurn(name);
      const samples = latencies.get(name) as number[];
      const cpuStart = process.cpuUsage();
      for (let j = 0; j < count; j += 1) {
        const start = process.hrtime.bigint();
        await call();
        const elapsed = Number(process.hrtime.bigint() - start) / 1000;
        if (round > 0) samples.push(elapsed);
      }
      const cpu = process.cpuUsage(cpuStart);
      if (round > 0) (cpus.get(name) as number[]).push((cpu.user + cpu.system) / count);
    }
  }
  return contenders.map(({ name }) => {
    const sorted = (latencies.get(name) as number[]).sort((a, b) => a - b);
    return {
      name,
      samples: sorted.length,
      median: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      cpu: median(cpus.get(name) as number[]),
    };
  });
}

/** Operations per second of `total` calls with `inFlight` callers each awaiting its previous call. */
export async function throughput(
  total: number,
  inFlight: number,
  call: (caller: number, index: number) => Promise<unknown>,
): Promise<number> {
  let issued = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async (_, caller) => {
      while (issued < total) {
        const index = issued;
        issued += 1;
        await call(caller, index);
      }
    }),
  );
  return total / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Throughput of each contender in interleaved rounds; the median over rounds (round 0 dropped). */
export async function interleavedThroughput(
  contenders: readonly { name: string; call: (caller: number, index: number) => Promise<unknown> }[],
  rounds: number,
  total: number,
  inFlight: number,
): Promise<Map<string, number>> {
  const rates = new Map<string, number[]>(contenders.map((contender) => [contender.name, []]));
  for (let round = 0; round <= rounds; round += 1) {
    for (let i = 0; i < contenders.length; i += 1) {
      const contender = contenders[(round + i) % contenders.length] as (typeof contenders)[number];
      const rate = await throughput(total, inFlight, contender.call);
      if (round > 0) (rates.get(contender.name) as number[]).push(rate);
    }
  }
  return new Map([...rates].map(([name, values]) => [name, median(values)]));
}

/** Resolves after pending I/O had a turn. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
