import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of redis-server that counts the commands clients send, by name, without
 * MONITOR (which slows the server) and without INFO commandstats (which also counts the
 * commands a Lua script runs inside it). It parses the client-to-server byte stream: RESP
 * arrays (`*<n>` then n bulk strings; the first is the command) and inline commands.
 */
export interface CountingProxy {
  readonly url: string;
  /** Commands sent since the last reset, by lower-case name. */
  counts(): Map<string, number>;
  reset(): void;
  close(): Promise<void>;
}

class CommandParser {
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private awaitingName = false;
  private skip = 0;
  private bulkLength = -1;

  constructor(private readonly onCommand: (name: string) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    for (;;) {
      if (this.skip > 0) {
        const skipped = Math.min(this.skip, this.buffer.length - offset);
        offset += skipped;
        this.skip -= skipped;
        if (this.skip > 0) break;
        continue;
      }
      if (this.bulkLength >= 0) {
        if (this.buffer.length - offset < this.bulkLength + 2) break;
        if (this.awaitingName) {
          this.onCommand(this.buffer.toString('utf8', offset, offset + this.bulkLength).toLowerCase());
          this.awaitingName = false;
        }
        offset += this.bulkLength + 2;
        this.bulkLength = -1;
        this.remaining -= 1;
        continue;
      }
      const end = this.buffer.indexOf('\r\n', offset);
      if (end < 0) break;
      const line = this.buffer.toString('utf8', offset, end);
      offset = end + 2;
      if (this.remaining > 0 && line.startsWith('$')) {
        this.bulkLength = Number(line.slice(1));
        if (!this.awaitingName && this.bulkLength > 4096) {
          this.skip = this.bulkLength + 2;
          this.bulkLength = -1;
          this.remaining -= 1;
        }
      } else if (line.startsWith('*')) {
        this.remaining = Number(line.slice(1));
        this.awaitingName = this.remaining > 0;
      } else if (line.trim() !== '') {
        this.onCommand((line.trim().split(/\s+/)[0] as string).toLowerCase());
      }
    }
    this.buffer = offset >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(offset);
  }
}

/** Starts a counting proxy forwarding a free loopback port to `targetPort`. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const parser = new CommandParser((name) => counts.set(name, (counts.get(name) ?? 0) + 1));
    client.on('data', (chunk: Buffer) => {
      parser.push(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address !== 'object') throw new Error('counting proxy: no address');
  return {
    url: `redis://127.0.0.1:${address.port}`,
    counts: () => new Map(counts),
    reset: () => void (counts = new Map()),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
