import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  if (process.env.TEST_TMP_DIR) rmSync(process.env.TEST_TMP_DIR, { recursive: true, force: true });
}
