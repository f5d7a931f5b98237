import { migrateDatabase } from '../infrastructure/prisma/database';
import { buildBlogServer } from './http/server';
import { BlogService } from './service';
import { openBlogData } from './wiring';

/**
 * The blog's server: `DATABASE_URL=file:./blog.db REDIS_URL=redis://127.0.0.1:6379 PORT=3001 npx tsx
 * example/blog/serve.ts` (REDIS_ENABLED=false: no cache). Applies the migrations (BLOG_MIGRATE=false: not), starts
 * change capture (one process at a time reads it; BLOG_CAPTURE_INSTALL=false: without installing its triggers, left
 * to the process that migrates), listens on 127.0.0.1:PORT (0: any free port), and prints `listening on <address>`.
 * SIGINT or SIGTERM closes it.
 */
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required (file:... or postgresql://...)');
  const cached = process.env.REDIS_ENABLED !== 'false';
  const redisUrl = cached ? (process.env.REDIS_URL ?? 'redis://127.0.0.1:6379') : null;
  if (process.env.BLOG_MIGRATE !== 'false') await migrateDatabase(databaseUrl);
  const data = await openBlogData({
    databaseUrl,
    redisUrl,
    capture: {
      install: process.env.BLOG_CAPTURE_INSTALL !== 'false',
      ...(process.env.BLOG_CAPTURE_SLOT && { slot: process.env.BLOG_CAPTURE_SLOT }),
    },
  });
  const app = buildBlogServer(new BlogService(data.repositories));
  const stop = async (): Promise<void> => {
    await app.close();
    await data.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3001) });
  console.log(`listening on ${address}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
