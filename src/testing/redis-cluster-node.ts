import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { REDIS_SERVER_BINARY } from './redis-server';

/**
 * One redis-server of a test cluster (redis-cluster.ts): its process, started and killed by
 * PID with its log in its own directory, and a one-command RESP client to administer it.
 */

export const HOST = '127.0.0.1';

/** One command's answer: a simple or bulk string, an integer, or nil. */
export type NodeReply = string | number | null;

/** How to talk to a node: the password of `requirepass`, and the CA to trust when it serves TLS only. */
export interface NodeAuth {
  password: string | undefined;
  ca: Buffer | undefined;
}

/** One line of CLUSTER NODES: who the node is, its flags, its master (for a replica) and its slot ranges. */
export interface NodeView {
  id: string;
  port: number;
  flags: string[];
  masterId: string;
  ranges: [number, number][];
}

export class ClusterNode {
  readonly host = HOST;
  id = '';
  private child: ChildProcess | null = null;

  constructor(
    private readonly dir: string,
    readonly port: number,
    readonly busPort: number,
    private readonly args: string[],
    private readonly auth: NodeAuth,
  ) {
    mkdirSync(dir);
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    const logFile = join(this.dir, 'redis.log');
    const log = openSync(logFile, 'a');
    const listen = this.auth.ca ? ['--port', '0', '--tls-port', String(this.port)] : ['--port', String(this.port)];
    let child: ChildProcess;
    try {
      child = spawn(
        REDIS_SERVER_BINARY,
        [...listen, '--bind', HOST, '--cluster-port', String(this.busPort), '--dir', this.dir, ...this.args],
        { stdio: ['ignore', log, log] },
      );
    } finally {
      closeSync(log);
    }
    this.child = child;
    child.unref();
    const exited = new Promise<never>((_, reject) => {
      child.once('error', (error) => reject(new Error(`could not start ${REDIS_SERVER_BINARY}: ${error.message}`)));
      child.once('exit', (code, signal) =>
        reject(
          new Error(
            `cluster node on port ${this.port} exited (${signal ?? `code ${code}`}) before ` +
              `answering:\n${logTail(logFile)}`,
          ),
        ),
      );
    });
    exited.catch(() => undefined);
    await Promise.race([
      poll(
        5000,
        `cluster node on port ${this.port} did not answer PING`,
        async () => (await this.tryCommand('PING')) === 'PONG',
      ),
      exited,
    ]);
    this.id = String(await this.command('CLUSTER', 'MYID'));
  }

  /** The last lines of this node's log. */
  logTail(): string {
    return logTail(join(this.dir, 'redis.log'));
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** The process ID, or undefined before the first start. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Started unref'd (a test's own handles decide when it ends); waiting for the exit must keep the process alive.
    child.ref();
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  command(...args: string[]): Promise<NodeReply> {
    return sendCommand(this.port, args, this.auth);
  }

  async tryCommand(...args: string[]): Promise<NodeReply | undefined> {
    try {
      return await this.command(...args);
    } catch {
      return undefined;
    }
  }

  /** This node's CLUSTER NODES, parsed. */
  async view(): Promise<NodeView[]> {
    const text = String(await this.command('CLUSTER', 'NODES'));
    return text.split('\n').filter(Boolean).map(parseNodeLine);
  }
}

export function parseNodeLine(line: string): NodeView {
  const [id = '', address = '', flags = '', masterId = '', , , , , ...slots] = line.trim().split(' ');
  const port = Number(/:(\d+)@/.exec(address)?.[1] ?? 0);
  // Slots are `a-b` or `a`; entries in brackets are migrations under way.
  const ranges = slots
    .filter((slot) => !slot.startsWith('['))
    .map((slot) => slot.split('-').map(Number))
    .map(([from = 0, to]) => [from, to ?? from] as [number, number]);
  return { id, port, flags: flags.split(','), masterId, ranges };
}

export async function poll(
  timeoutMs: number,
  failure: string | (() => string),
  done: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(typeof failure === 'string' ? failure : failure());
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * One command on a fresh connection (AUTH first when a password is set), its reply parsed:
 * simple and bulk strings, integers, nil. No client library: a failed connection leaves no
 * timer behind, which polling a node that is down needs.
 */
function sendCommand(port: number, args: readonly string[], auth: NodeAuth, timeoutMs = 2000): Promise<NodeReply> {
  const commands = auth.password === undefined ? [args] : [['AUTH', auth.password], args];
  return new Promise((resolve, reject) => {
    const socket: Socket = auth.ca ? connectTls({ host: HOST, port, ca: auth.ca }) : connect({ host: HOST, port });
    let buffer = Buffer.alloc(0);
    const finish = (error: Error | null, reply?: NodeReply): void => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply ?? null);
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no answer from port ${port} within ${timeoutMs} ms`)));
    socket.on('error', (error) => finish(error));
    socket.on(auth.ca ? 'secureConnect' : 'connect', () => socket.write(commands.map(encodeCommand).join('')));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const replies: NodeReply[] = [];
      let offset = 0;
      while (replies.length < commands.length) {
        const parsed = parseReply(buffer, offset);
        if (!parsed) return;
        if (parsed.error) return finish(new Error(`${args.join(' ').slice(0, 40)} on port ${port}: ${parsed.error}`));
        replies.push(parsed.value);
        offset = parsed.next;
      }
      finish(null, replies[replies.length - 1]);
    });
  });
}

function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** One RESP2 reply (no arrays: no command sent here returns one) from `offset`, or undefined when incomplete. */
function parseReply(buffer: Buffer, offset: number): { value: NodeReply; error?: string; next: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buffer[offset] as number);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  if (type === '+') return { value: line, next };
  if (type === '-') return { value: null, error: line, next };
  if (type === ':') return { value: Number(line), next };
  if (type !== '$') return { value: null, error: `unexpected reply type ${type}`, next };
  const length = Number(line);
  if (length < 0) return { value: null, next };
  if (buffer.length < next + length + 2) return undefined;
  return { value: buffer.toString('utf8', next, next + length), next: next + length + 2 };
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n');
  } catch {
    return '(no log)';
  }
}
