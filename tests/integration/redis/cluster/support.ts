import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { OPENSSL_BINARY } from '../../../support/tls-certificates';
import {
  createRedisCluster,
  waitUntilClusterReady,
  type RedisClusterConnectionOptions,
} from '../../../../src/redis/cluster';
import { startRedisCluster, type RedisClusterHandle, type RedisClusterOptions } from 'cachedrepo/testing';

/**
 * A cluster client from `createRedisCluster` on `handle`, ready, with its error events swallowed (tests assert on
 * replies).
 */
export async function connectCluster(
  handle: RedisClusterHandle,
  options: Partial<RedisClusterConnectionOptions> = {},
): Promise<Cluster> {
  const cluster = createRedisCluster({ nodes: handle.nodesList, commandTimeoutMs: 2000, ...options });
  cluster.on('error', () => undefined);
  cluster.on('node error', () => undefined);
  if (!(await waitUntilClusterReady(cluster, 10_000))) {
    cluster.disconnect();
    throw new Error(`cluster client on ${handle.nodesList} not ready in 10 s`);
  }
  return cluster;
}

/** A cluster and a ready client, shared by the tests of one file; both stopped after them. */
export interface ClusterFixture {
  handle: RedisClusterHandle;
  cluster: Cluster;
}

/** Registers a {@link ClusterFixture}'s lifecycle (the object is filled in `beforeAll`). */
export function useRedisCluster(
  options: RedisClusterOptions = {},
  clientOptions: Partial<RedisClusterConnectionOptions> = {},
): ClusterFixture {
  const fixture = {} as ClusterFixture;
  beforeAll(async () => {
    fixture.handle = await startRedisCluster(options);
    fixture.cluster = await connectCluster(fixture.handle, clientOptions);
  }, 60_000);
  afterAll(async () => {
    fixture.cluster?.disconnect();
    await fixture.handle?.stop();
  });
  return fixture;
}

/**
 * `host:port` of the master owning `key`'s slot, asked of the cluster itself (CLUSTER KEYSLOT, then CLUSTER SLOTS
 * through the client's map).
 */
export function ownerInMap(cluster: Cluster, slot: number): string {
  const owner = cluster.slots[slot]?.[0];
  if (owner === undefined) throw new Error(`slot ${slot} not in the map`);
  return owner;
}

/**
 * A throwaway CA and a node certificate for `IP:127.0.0.1`, usable for both ends of a TLS
 * connection (`serverAuth,clientAuth`): the cluster bus authenticates each peer with it.
 * The shared tests/support/tls-certificates.ts makes `serverAuth` certificates only.
 */
export function generateClusterTlsFiles(): { caFile: string; certFile: string; keyFile: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cluster-tls-'));
  const file = (name: string): string => join(dir, name);
  const openssl = (args: string[]): void =>
    void execFileSync(OPENSSL_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.crt'),
      '-days',
      '2',
      '-subj',
      '/CN=cluster throwaway CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    openssl(['req', '-new', ...ec, '-keyout', file('node.key'), '-out', file('node.csr'), '-subj', '/CN=localhost']);
    writeFileSync(
      file('node.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth,clientAuth',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '',
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      file('node.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('node.ext'),
      '-out',
      file('node.crt'),
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    caFile: file('ca.crt'),
    certFile: file('node.crt'),
    keyFile: file('node.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
