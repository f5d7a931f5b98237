import Redis from 'ioredis';
import { startRedisServer, type RedisServerHandle } from 'cachedrepo/testing';
import { StandaloneConnection } from '../../../src/redis/standalone-store';

// The commands of one tick leave in one write (src/redis/standalone-store.ts): the socket is corked from the first
// until the end of the tick, on a real redis-server.
describe('StandaloneConnection', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let connection: StandaloneConnection;
  const tick = (): Promise<void> => new Promise((resolve) => process.nextTick(resolve));

  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url);
    await client.ping();
    connection = new StandaloneConnection(client);
  });
  afterAll(async () => {
    client.disconnect();
    await server.stop();
  });

  it('corks the socket for the commands of one tick, uncorks it at its end, and answers each in order', async () => {
    const socket = client.stream;
    const writes: number[] = [];
    const { write } = socket;
    socket.write = ((...args: Parameters<typeof write>) => {
      writes.push(socket.writableCorked);
      return write.apply(socket, args);
    }) as typeof write;
    try {
      const stored = connection.setIfAbsent('a', '1', 60);
      const read = connection.get('a');
      const both = connection.mget(['a', 'missing']);
      expect(socket.writableCorked).toBe(1); // still buffered: nothing has left yet
      await tick();
      expect(socket.writableCorked).toBe(0);
      expect(await stored).toBe(true);
      expect(await read).toBe('1');
      expect(await both).toEqual(['1', null]);
      expect(writes).toEqual([1, 1, 1]); // every command written while corked
    } finally {
      socket.write = write;
    }
  });

  it('sends a command alone at the end of its tick, and corks again in the next', async () => {
    expect(await connection.get('missing')).toBeNull();
    expect(client.stream.writableCorked).toBe(0);
    const next = connection.unlink(['a']);
    expect(client.stream.writableCorked).toBe(1);
    expect(await next).toBe(1);
    expect(client.stream.writableCorked).toBe(0);
  });
});
