/** Small helpers that print the example's report readably. */

export function heading(title: string): void {
  console.log(`\n${'='.repeat(78)}\n${title}\n${'='.repeat(78)}`);
}

export function line(text = ''): void {
  console.log(text);
}

export function check(ok: boolean, text: string): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
  if (!ok) process.exitCode = 1;
}

/** Milliseconds with three decimals. */
export function ms(value: number): string {
  return `${value.toFixed(3)} ms`;
}

/** Runs `task` and returns its result with the elapsed milliseconds. */
export async function timed<R>(task: () => Promise<R>): Promise<{ result: R; elapsedMs: number }> {
  const start = process.hrtime.bigint();
  const result = await task();
  return { result, elapsedMs: Number(process.hrtime.bigint() - start) / 1e6 };
}

/** Runs `read` once per item, sequentially, and returns the milliseconds each read took. */
export async function perRead<I>(items: readonly I[], read: (item: I) => Promise<unknown>): Promise<number[]> {
  const durations: number[] = [];
  for (const item of items) durations.push((await timed(() => read(item))).elapsedMs);
  return durations;
}

export function table(rows: (string | number)[][]): void {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  for (const [index, row] of rows.entries()) {
    console.log(`  ${row.map((cell, column) => String(cell).padEnd(widths[column]!)).join('  ')}`);
    if (index === 0) console.log(`  ${widths.map((width) => '-'.repeat(width)).join('  ')}`);
  }
}
