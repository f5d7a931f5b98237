import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { createRedisClient, waitUntilReady } from 'cachedrepo';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { buildBlogServer } from '../../../../example/blog/http/server';
import { BlogService } from '../../../../example/blog/service';
import { openBlogData, type BlogData } from '../../../../example/blog/wiring';
import { waitFor } from '../../../integration/capture/support/harness';
import { MemoryLogger } from '../../../support/cache';
import { captureDatabase, type CaptureDatabase } from '../capture/support';

/** A blog server listening on a free loopback port, over real HTTP. */
export interface BlogServer {
  url: string;
  data: BlogData;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The blog's database (with capture possible on both passes) and a redis-server of its own. */
export interface BlogStack {
  db: CaptureDatabase;
  server: RedisServerHandle;
  redis: Redis;
  close(): Promise<void>;
}

export async function startBlogStack(): Promise<BlogStack> {
  const [server, db] = await Promise.all([startRedisServer(), captureDatabase()]);
  const redis = createRedisClient({ url: server.url });
  await waitUntilReady(redis, 5000);
  return {
    db,
    server,
    redis,
    close: async () => {
      redis.disconnect();
      await server.stop();
      await db.close();
    },
  };
}

/**
 * The blog over `stack`'s database: cached (Redis and change capture, polled every 20 ms) or plain. On PostgreSQL,
 * waits for the first start's prefix clear (a new slot cannot say what changed before it) so it clears no entry a
 * test cached.
 */
export async function startBlogServer(stack: BlogStack, cached: boolean): Promise<BlogServer> {
  const data = await openBlogData({
    databaseUrl: stack.db.url,
    redisUrl: cached ? stack.server.url : null,
    prisma: stack.db.prisma,
    capture: { pollIntervalMs: 20, leaseMs: 500 },
    logger: new MemoryLogger(),
  });
  if (data.capture) {
    const { capture } = data.capture;
    await waitFor('the capture consumer reads', () => capture.health().reading);
    if (stack.db.provider === 'postgresql')
      await waitFor('the first start cleared the prefix', () => capture.health().prefixClears === 1);
  }
  const app = buildBlogServer(new BlogService(data.repositories));
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    data,
    app,
    close: async () => {
      await app.close();
      await data.close();
    },
  };
}

/** A blog server in a process of its own (example/blog/serve.ts) on the same database and Redis. */
export interface BlogProcess {
  url: string;
  stop(): Promise<void>;
}

export async function spawnBlogProcess(stack: BlogStack): Promise<BlogProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), join(__dirname, '../../../../example/blog/serve.ts')],
    {
      env: {
        ...process.env,
        DATABASE_URL: stack.db.url,
        REDIS_URL: stack.server.url,
        PORT: '0',
        // The first server migrated and installed capture (on SQLite, rewriting the triggers while it writes would
        // wait for its lock).
        BLOG_MIGRATE: 'false',
        BLOG_CAPTURE_INSTALL: 'false',
        NODE_OPTIONS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve.ts did not listen within 30 s\n${stderr}`)), 30_000);
    void exited.then(() => reject(new Error(`serve.ts exited (${String(child.exitCode)})\n${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const listening = /^listening on (\S+)/.exec(line);
      if (!listening?.[1]) return;
      clearTimeout(timer);
      resolve(listening[1]);
    });
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A JSON client of one server, as `viewer` (the x-member-id header) when given. */
export function client(base: string) {
  const call = async (method: string, path: string, viewer?: number, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(viewer !== undefined && { 'x-member-id': String(viewer) }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : (JSON.parse(text) as Record<string, unknown>) };
  };
  return {
    get: (path: string, viewer?: number) => call('GET', path, viewer),
    post: (path: string, viewer?: number, body?: unknown) => call('POST', path, viewer, body ?? {}),
    put: (path: string, viewer: number, body: unknown) => call('PUT', path, viewer, body),
    delete: (path: string, viewer?: number) => call('DELETE', path, viewer),
  };
}
export type BlogClient = ReturnType<typeof client>;

/**
 * Waits until change capture applied every change committed before this call: it caches a tag, renames it with plain
 * SQL outside the repositories, and waits until a cached read sees the new name. Capture applies changes in commit
 * order, so every earlier change (a cascade's rows) was applied too.
 */
export async function captureBarrier(stack: BlogStack, data: BlogData): Promise<void> {
  const tags = data.repositories.tags;
  const barrier = (await tags.findByName('barrier')) ?? (await tags.save({ name: 'barrier' }));
  await tags.findById(barrier.id);
  const name = `barrier-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  await stack.db.rawSql('UPDATE "Tag" SET "name" = ? WHERE "id" = ?', [name, barrier.id]);
  await waitFor('capture applied the changes', async () => (await tags.findById(barrier.id))?.name === name);
  await stack.db.rawSql('UPDATE "Tag" SET "name" = ? WHERE "id" = ?', ['barrier', barrier.id]);
  await waitFor('capture applied the barrier reset', async () => (await tags.findById(barrier.id))?.name === 'barrier');
}
