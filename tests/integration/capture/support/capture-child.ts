import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A capture-worker.ts child process, started by {@link startCaptureChild}. */
export interface CaptureChild {
  readonly pid: number;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<void>;
}

/**
 * Spawns capture-worker.ts with `env` and waits until it reads its source (it holds the consumer lease).
 * @throws {Error} with the child's stderr when it exits or is not reading within `timeoutMs`
 */
export async function startCaptureChild(env: Record<string, string>, timeoutMs = 20_000): Promise<CaptureChild> {
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), join(__dirname, 'capture-worker.ts')],
    {
      env: { ...process.env, ...env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  const reading = await Promise.race([
    new Promise<boolean>((resolve) => createInterface({ input: child.stdout }).once('line', () => resolve(true))),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref()),
  ]);
  if (!reading) {
    await kill();
    throw new Error(`capture worker did not start reading:\n${stderr}`);
  }
  return { pid: child.pid as number, kill };
}
