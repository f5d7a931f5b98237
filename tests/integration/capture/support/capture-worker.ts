/**
 * A process that runs a capture consumer and nothing else, for the takeover tests (killed with SIGKILL there). Reads
 * CAPTURE_SOURCE (`postgresql` or `sqlite`), CAPTURE_DATABASE (a URL, or a SQLite file), CAPTURE_SLOT (PostgreSQL),
 * CAPTURE_PREFIX and REDIS_URL; prints one JSON line `{"reading":true}` once it holds the lease and reads.
 */
import { PostgresChangeSource, SqliteChangeSource, type ChangeSource } from 'cachedrepo/capture';
import { startCaptureProcess } from './harness';
import { openSqlite, sqliteClient } from './sqlite-file';

async function main(): Promise<void> {
  const { CAPTURE_SOURCE, CAPTURE_DATABASE, CAPTURE_SLOT, CAPTURE_PREFIX, REDIS_URL } = process.env;
  if (!CAPTURE_DATABASE || !CAPTURE_PREFIX || !REDIS_URL) throw new Error('capture-worker: environment missing');
  const source: ChangeSource =
    CAPTURE_SOURCE === 'postgresql'
      ? new PostgresChangeSource({ connection: CAPTURE_DATABASE, ...(CAPTURE_SLOT && { slot: CAPTURE_SLOT }) })
      : new SqliteChangeSource(sqliteClient(openSqlite(CAPTURE_DATABASE)));
  const running = await startCaptureProcess(REDIS_URL, CAPTURE_PREFIX, source);
  const timer = setInterval(() => {
    if (!running.capture.health().reading) return;
    clearInterval(timer);
    process.stdout.write(`${JSON.stringify({ reading: true })}\n`);
  }, 10);
  // Runs until killed.
  setInterval(() => undefined, 60_000);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
