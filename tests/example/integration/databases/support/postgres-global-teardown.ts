import type { PostgresServerHandle } from './postgres-server';

/** globalTeardown of jest's `postgresql` project: stops the cluster and removes its directory. */
export default async function postgresGlobalTeardown(): Promise<void> {
  const holder = globalThis as { __POSTGRES_SERVER__?: PostgresServerHandle };
  await holder.__POSTGRES_SERVER__?.stop();
  delete holder.__POSTGRES_SERVER__;
}
