import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throwaway CA and of a certificate it signed for 127.0.0.1 and localhost. */
export interface TlsCertificates {
  readonly dir: string;
  /** The CA's certificate: what a client trusts. */
  readonly caFile: string;
  /** The server's (or node's) certificate (subjectAltName IP:127.0.0.1, DNS:localhost). */
  readonly certFile: string;
  /** The server's private key (unencrypted). */
  readonly keyFile: string;
  /** Deletes the files. */
  remove(): void;
}

export const OPENSSL_BINARY = process.env.OPENSSL_BIN ?? 'openssl';

/** The `openssl version` line, or null when the CLI is missing. */
export function opensslVersion(): string | null {
  try {
    return execFileSync(OPENSSL_BINARY, ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function openssl(args: string[]): void {
  try {
    execFileSync(OPENSSL_BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`${OPENSSL_BINARY} ${args[0]} failed: ${(error as Error).message}\n${stderr}`);
  }
}

/**
 * Generates, with the `openssl` CLI and no network, a new CA (P-256 key, valid 2 days) and a
 * server certificate it signs for `IP:127.0.0.1, DNS:localhost`, into a new temporary directory.
 * Each call makes an unrelated CA, so a second call gives a CA that must not be trusted for
 * the first one's server.
 * @param options.clientAuth make the certificate usable for both ends of a connection (`serverAuth,clientAuth`), as
 *   a Redis Cluster node needs: the cluster bus authenticates each peer with it
 * @throws {Error} when openssl is missing or fails.
 */
export function generateTlsCertificates(name = 'redis-test', options: { clientAuth?: boolean } = {}): TlsCertificates {
  if (opensslVersion() === null)
    throw new Error(`${OPENSSL_BINARY} is not installed: cannot generate TLS test certificates`);
  const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
  const file = (base: string): string => join(dir, base);
  try {
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
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
      `/CN=${name} throwaway CA`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    openssl([
      'req',
      '-new',
      ...ec,
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=localhost',
    ]);
    writeFileSync(
      file('server.ext'),
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature,keyEncipherment',
        `extendedKeyUsage=${options.clientAuth ? 'serverAuth,clientAuth' : 'serverAuth'}`,
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '',
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('server.ext'),
      '-out',
      file('server.crt'),
    ]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    dir,
    caFile: file('ca.crt'),
    certFile: file('server.crt'),
    keyFile: file('server.key'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
