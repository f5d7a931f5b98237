import { connect, createServer, type Socket } from 'node:net';

/**
 * How {@link TcpProxy.pause} cuts the link:
 * - `drop`: a clean partition. Open connections are destroyed (data in flight is lost) and new
 *   ones are closed as soon as they are accepted, so clients see errors at once and reconnect.
 * - `hold`: a hang. Nothing is read from either side (data waits in socket buffers) and new
 *   connections wait unanswered; on resume everything held is forwarded, as after a stall.
 */
export type PauseMode = 'drop' | 'hold';

/** A TCP proxy on a free loopback port in front of one server, which a test can cut. */
export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:port`: where a client goes to reach the server through the proxy. */
  readonly url: string;
  /** Connections forwarded right now. */
  readonly connections: number;
  /** Stops forwarding in both directions. @default 'drop' */
  pause(mode?: PauseMode): void;
  /** Forwards again: held connections continue, new ones are forwarded. */
  resume(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  upstream: Socket | null;
}

/** Starts a proxy forwarding 127.0.0.1:(free port) to `targetHost:targetPort`. */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const links = new Set<Link>();
  let state: 'forwarding' | PauseMode | 'closed' = 'forwarding';

  const destroy = (link: Link): void => {
    links.delete(link);
    link.client.destroy();
    link.upstream?.destroy();
  };
  // Piping only while forwarding: `pipe` resumes a paused source on 'drain', so holding unpipes first.
  const forward = (link: Link): void => {
    if (!link.upstream) {
      const upstream = connect({ port: targetPort, host: targetHost });
      link.upstream = upstream;
      upstream.on('error', () => destroy(link));
      upstream.on('close', () => destroy(link));
    }
    link.client.pipe(link.upstream);
    link.upstream.pipe(link.client);
  };
  const hold = (link: Link): void => {
    link.client.unpipe();
    link.upstream?.unpipe();
    link.client.pause();
    link.upstream?.pause();
  };

  const server = createServer((client) => {
    if (state === 'drop' || state === 'closed') return void client.destroy();
    const link: Link = { client, upstream: null };
    links.add(link);
    client.on('error', () => destroy(link));
    client.on('close', () => destroy(link));
    if (state === 'hold') hold(link);
    else forward(link);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address && typeof address === 'object') resolve(address.port);
      else reject(new Error('tcp-proxy: no port'));
    });
  });

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get connections() {
      return links.size;
    },
    pause: (mode = 'drop') => {
      if (state === 'closed') return;
      state = mode;
      for (const link of [...links]) {
        if (mode === 'drop') destroy(link);
        else hold(link);
      }
    },
    resume: () => {
      if (state === 'closed') return;
      state = 'forwarding';
      for (const link of links) forward(link);
    },
    close: async () => {
      state = 'closed';
      for (const link of [...links]) destroy(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
