import type { Cluster } from 'ioredis';
import {
  clusterNodesEnv,
  createRedisCluster,
  parseClusterNodes,
  waitUntilClusterReady,
} from '../../../../src/redis/cluster';
import { ConfigError, RedisClientError } from '../../../../src/errors';
import { parseEnv } from '../../../../src/settings/settings';
import { startRedisCluster, type RedisClusterHandle } from 'cachedrepo/testing';
import { connectCluster } from './support';
import { generateTlsCertificates, type TlsCertificates } from '../../../support/tls-certificates';

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port seeds, IPv6 in brackets, and redis:// or rediss:// URLs with credentials', () => {
    expect(parseClusterNodes(' 10.0.0.1:7000, node-b.internal:7001 ,[::1]:7002')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'node-b.internal', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      tls: false,
      username: undefined,
      password: undefined,
    });
    expect(parseClusterNodes('rediss://app:p%40ss@a.example:6380,b.example:6381')).toEqual({
      nodes: [
        { host: 'a.example', port: 6380 },
        { host: 'b.example', port: 6381 },
      ],
      tls: true,
      username: 'app',
      password: 'p@ss',
    });
    expect(parseClusterNodes('redis://a.example').nodes).toEqual([{ host: 'a.example', port: 6379 }]);
  });

  it.each([
    ['', /at least one/],
    ['a.example', /not host:port/],
    ['a.example:0', /not host:port/],
    ['a.example:70000', /not host:port/],
    ['http://a.example:1', /neither redis: nor rediss:/],
    ['redis://a:1,rediss://b:2', /mixes/],
    ['redis://:one@a:1,redis://:two@b:2', /different credentials/],
  ])('refuses %j', (text, message) => {
    expect(() => parseClusterNodes(text)).toThrow(RedisClientError);
    expect(() => parseClusterNodes(text)).toThrow(message);
  });

  it('is a zod variable whose issue names the problem but never echoes a password', () => {
    const shape = { REDIS_CLUSTER_NODES: clusterNodesEnv.optional() };
    expect(parseEnv(shape, {}).REDIS_CLUSTER_NODES).toBeUndefined();
    expect(parseEnv(shape, { REDIS_CLUSTER_NODES: '127.0.0.1:7000' }).REDIS_CLUSTER_NODES?.nodes).toEqual([
      { host: '127.0.0.1', port: 7000 },
    ]);
    expect(() => parseEnv(shape, { REDIS_CLUSTER_NODES: 'a.example' })).toThrow(ConfigError);
    const parsed = clusterNodesEnv.safeParse('redis://:hunter2@a:1,redis://:hunter3@b:2');
    expect(parsed.success).toBe(false);
    const messages = parsed.error?.issues.map((issue) => issue.message) ?? [];
    expect(messages).toEqual(['entries carry different credentials']);
    // parseEnv shows a variable's value unless it is listed as secret: settings.ts must list
    // REDIS_CLUSTER_NODES with REDIS_URL (integration plan), as this shows.
    expect(() => parseEnv(shape, { REDIS_CLUSTER_NODES: 'redis://:hunter2@a:1,redis://:hunter3@b:2' })).toThrow(
      /different credentials/,
    );
  });
});

describe('createRedisCluster against a real cluster with a password', () => {
  let handle: RedisClusterHandle;
  const clients: Cluster[] = [];
  beforeAll(async () => {
    handle = await startRedisCluster({ masters: 3, password: 'cluster-secret' });
  }, 60_000);
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await handle?.stop();
  });

  it('connects with the password from a URL seed, and reads and writes on every master', async () => {
    const nodes = handle.nodesList
      .split(',')
      .map((node) => `redis://default:cluster-secret@${node}`)
      .join(',');
    const cluster = await connectCluster(handle, { nodes });
    clients.push(cluster);
    const keys = Array.from({ length: 30 }, (_, index) => `cache:hero:${index}`);
    for (const key of keys) await cluster.set(key, key);
    expect(await Promise.all(keys.map((key) => cluster.get(key)))).toEqual(keys);
    expect(new Set(cluster.nodes('master').map((node) => node.options.port)).size).toBe(3);
    expect(cluster.options.scaleReads).toBe('master');
    expect(cluster.options.enableOfflineQueue).toBe(false);
  });

  it('with a wrong password is never ready, and what it emits does not hold the password', async () => {
    const cluster = createRedisCluster({
      nodes: handle.nodesList,
      password: 'wrong-secret-42',
      connectTimeoutMs: 500,
      commandTimeoutMs: 500,
    });
    clients.push(cluster);
    const emitted: string[] = [];
    cluster.on('error', (error: Error) => emitted.push(`${error.message} ${JSON.stringify(error)}`));
    cluster.on('node error', (error: Error) => emitted.push(`${error.message} ${JSON.stringify(error)}`));
    expect(await waitUntilClusterReady(cluster, 1500)).toBe(false);
    expect(emitted.length).toBeGreaterThan(0);
    expect(emitted.join('\n')).not.toContain('wrong-secret-42');
    // No offline queue: a command while not ready fails at once instead of waiting.
    await expect(cluster.get('cache:hero:1')).rejects.toThrow();
  });
});

describe('createRedisCluster over TLS (a cluster with TLS on clients, replication and the bus)', () => {
  let handle: RedisClusterHandle;
  let tls: TlsCertificates;
  let cluster: Cluster;
  beforeAll(async () => {
    tls = generateTlsCertificates('cluster', { clientAuth: true });
    handle = await startRedisCluster({ masters: 3, tls, password: 'tls-secret' });
  }, 60_000);
  afterAll(async () => {
    cluster?.disconnect();
    // ioredis arms a 2 s timer when it closes a TLS client whose socket is already gone: let it run out so jest exits
    // at once.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await handle?.stop();
    tls?.remove();
  });

  it('serves rediss:// seeds with a private CA, and refuses plain RESP', async () => {
    expect(handle.url).toMatch(/^rediss:/);
    const nodes = handle.nodesList
      .split(',')
      .map((node) => `rediss://:tls-secret@${node}`)
      .join(',');
    cluster = await connectCluster(handle, { nodes, tlsCaFile: tls.caFile });
    const keys = Array.from({ length: 30 }, (_, index) => `cache:card:${index}`);
    for (const key of keys) await cluster.set(key, 'x');
    expect(await Promise.all(keys.map((key) => cluster.get(key)))).toEqual(keys.map(() => 'x'));
    const plain = createRedisCluster({ nodes: handle.nodesList, password: 'tls-secret', connectTimeoutMs: 500 });
    plain.on('error', () => undefined);
    plain.on('node error', () => undefined);
    try {
      expect(await waitUntilClusterReady(plain, 1500)).toBe(false);
    } finally {
      plain.disconnect();
    }
  });
});
