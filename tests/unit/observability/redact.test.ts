import fc from 'fast-check';
import { redactingLogger, ThrottledErrorLog } from '../../../src/observability/cache-logger';
import { redactSecrets } from '../../../src/observability/redact';
import { SecretRedactor } from '../../../src/observability/secret-redactor';
import { MemoryLogger } from '../../support/cache';

/** Any text: printable ASCII most of the time (where clashes with secrets are likely), sometimes any UTF-16. */
const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }));
const secret = fc.oneof(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }),
);

/** `text` with each secret inserted at a position chosen by `at` (0..1). */
function insertAll(base: string, insertions: readonly (readonly [string, number])[]): string {
  let result = base;
  for (const [value, at] of insertions) {
    const index = Math.floor(at * (result.length + 1));
    result = result.slice(0, index) + value + result.slice(index);
  }
  return result;
}

describe('redactSecrets', () => {
  it.each([
    ['redis://alice:s3cret@127.0.0.1:6379/0', 'redis://alice:***@127.0.0.1:6379/0'],
    ['rediss://alice:s3cret@cache.example.com:6380', 'rediss://alice:***@cache.example.com:6380'],
    ['REDISS://alice:s3cret@host', 'REDISS://alice:***@host'],
    ['redis://:s3cret@host:6379', 'redis://:***@host:6379'],
    ['connect to redis://default:p%40ss@host failed', 'connect to redis://default:***@host failed'],
    ['unescaped: redis://u:p@ss:w@rd@host:1/2 and more', 'unescaped: redis://u:***@host:1/2 and more'],
    ['two: "redis://a:one@h1" \'rediss://b:two@h2\'', 'two: "redis://a:***@h1" \'rediss://b:***@h2\''],
    ['any scheme: postgres://app:pw@db/app', 'any scheme: postgres://app:***@db/app'],
  ])('removes the password of a URL: %s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it.each([
    'redis://127.0.0.1:6379',
    'redis://alice@127.0.0.1:6379',
    'connect ECONNREFUSED 127.0.0.1:6379',
    'WRONGPASS invalid username-password pair or user is disabled.',
    'time 12:30 at user@example.com',
  ])('leaves text without credentials as it is: %s', (input) => {
    expect(redactSecrets(input)).toBe(input);
  });

  it('masks every occurrence of the given secrets, overlapping ones too', () => {
    expect(redactSecrets('password s3cret, again s3cret.', ['s3cret'])).toBe('password ***, again ***.');
    expect(redactSecrets('xabcdy', ['abc', 'cd'])).toBe('x***y');
    expect(redactSecrets('nothing here', ['', 'absent'])).toBe('nothing here');
  });

  it('picks a mask the secrets do not contain, and removes secrets made of every mask character', () => {
    expect(redactSecrets('a**b', ['**'])).toBe('a###b');
    expect(redactSecrets('x*bb', ['*b'])).toBe('x###b');
    const everyMask = ['*', '#', '~', '!', '%', '^', '=', '_', '?'];
    expect(redactSecrets('keep*#~!%^=_?this', everyMask)).toBe('keepthis');
    // Removing "ab" from "aabb" leaves "ab": removal repeats until none is left.
    expect(redactSecrets('aabb', ['ab', ...everyMask])).toBe('');
  });

  it('never lets a secret inserted anywhere in any text survive', () => {
    fc.assert(
      fc.property(
        text,
        fc.array(fc.tuple(secret, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 4 }),
        fc.array(secret, { maxLength: 2 }),
        (base, insertions, extra) => {
          const secrets = [...insertions.map(([value]) => value), ...extra];
          const redacted = redactSecrets(insertAll(base, insertions), secrets);
          for (const value of secrets) expect(redacted.includes(value)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never lets a secret made of mask characters survive', () => {
    const masky = fc.string({
      unit: fc.constantFrom('*', '#', '~', '!', '%', '^', '=', '_', '?', 'a', ':', '@'),
      minLength: 1,
      maxLength: 5,
    });
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('*', '#', 'a', 'b', ':', '@', '/'), maxLength: 20 }),
        fc.array(fc.tuple(masky, fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 5 }),
        (base, insertions) => {
          const secrets = insertions.map(([value]) => value);
          const redacted = redactSecrets(insertAll(base, insertions), secrets);
          for (const value of secrets) expect(redacted.includes(value)).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('leaves text that holds no secret and no URL unchanged', () => {
    fc.assert(
      fc.property(text, fc.array(secret, { maxLength: 4 }), (input, secrets) => {
        fc.pre(!input.includes('://') && secrets.every((value) => !input.includes(value)));
        expect(redactSecrets(input, secrets)).toBe(input);
      }),
      { numRuns: 2000 },
    );
  });

  it('removes the password of any URL with credentials, wherever it is in the text', () => {
    const noSpace = (chars: string) => fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength: 12 });
    const url = fc.record({
      scheme: fc.constantFrom('redis', 'rediss', 'Redis', 'postgres'),
      user: noSpace('abcXYZ019._-@%'),
      password: noSpace('abcXYZ019._-@:%!*$&+=').filter((value) => value.length > 0),
      host: fc.constantFrom('127.0.0.1:6379', 'localhost', 'cache.example.com:6380', '[::1]:6379'),
      path: fc.constantFrom('', '/0', '/3?family=6'),
    });
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        url,
        fc.string({ maxLength: 20 }),
        (before, { scheme, user, password, host, path }, after) => {
          const redacted = redactSecrets(`${before} ${scheme}://${user}:${password}@${host}${path} ${after}`);
          expect(redacted).toBe(
            `${redactSecrets(before)} ${scheme}://${user}:***@${host}${path} ${redactSecrets(after)}`,
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('ThrottledErrorLog redaction', () => {
  it('redacts the message and the operation with its own secrets and URL passwords', () => {
    const logger = new MemoryLogger();
    const log = new ThrottledErrorLog(logger, 5000, ['hunter2']);
    log.report('get hunter2', new Error('AUTH hunter2 failed for rediss://bob:other@host:6380'));
    log.report('plain', 'not an Error: hunter2');
    expect(logger.lines.map((line) => line.details)).toEqual([
      { operation: 'get ***', error: 'AUTH *** failed for rediss://bob:***@host:6380', suppressedSinceLastLog: 0 },
      { operation: 'plain', error: 'not an Error: ***', suppressedSinceLastLog: 0 },
    ]);
  });

  it('redacts, through a redacting logger, the secrets its redactor learns before or after the log was created', () => {
    const logger = new MemoryLogger();
    const redactor = new SecretRedactor(['early-pw']);
    const before = new ThrottledErrorLog(redactingLogger(logger, redactor));
    redactor.add('');
    redactor.add(undefined);
    redactor.add('registered-pw');
    expect(redactor.secrets).toEqual(['early-pw', 'registered-pw']);
    before.report('op', new Error('bad registered-pw'));
    new ThrottledErrorLog(redactingLogger(logger, redactor)).report('op', new Error('worse registered-pw early-pw'));
    expect(JSON.stringify(logger.lines)).not.toContain('registered-pw');
    expect(logger.lines.map((line) => (line.details as { error: string }).error)).toEqual(['bad ***', 'worse *** ***']);
  });

  it('knows no secret it was not given: two redactors of one process are independent', () => {
    const logger = new MemoryLogger();
    const mine = new SecretRedactor(['mine-pw']);
    new SecretRedactor(['theirs-pw']);
    new ThrottledErrorLog(redactingLogger(logger, mine)).report('op', new Error('mine-pw theirs-pw'));
    expect(logger.lines.map((line) => (line.details as { error: string }).error)).toEqual(['*** theirs-pw']);
  });
});

describe('SecretRedactor and redactingLogger', () => {
  it('includes what other redactors know, now and later, without looping on a cycle', () => {
    const client = new SecretRedactor(['client-pw']);
    const service = new SecretRedactor().include(client);
    client.include(service).add('later-pw');
    service.include(service);
    expect([...service.secrets].sort()).toEqual(['client-pw', 'later-pw']);
    expect(service.redact('AUTH client-pw later-pw redis://u:p@h')).toBe('AUTH *** *** redis://u:***@h');
  });

  it('redacts the message and every string of the details, nested in arrays and plain objects', () => {
    const logger = new MemoryLogger();
    const log = redactingLogger(logger, new SecretRedactor(['tok3n']));
    const error = new Error('kept as is: tok3n');
    log.warn({ error: 'a tok3n', nested: { list: ['tok3n', 1, null], error }, count: 2 }, 'message tok3n');
    log.error({}, 'plain');
    expect(logger.lines[0]).toEqual({
      level: 'warn',
      details: { error: 'a ***', nested: { list: ['***', 1, null], error }, count: 2 },
      message: 'message ***',
    });
    expect(logger.lines[1]).toEqual({ level: 'error', details: {}, message: 'plain' });
  });

  it('passes details holding nothing to redact on as the same object', () => {
    const logger = new MemoryLogger();
    const details = { reason: 'no secret here', masters: ['127.0.0.1:7000'] };
    redactingLogger(logger, new SecretRedactor(['tok3n'])).debug(details, 'line');
    expect(logger.lines[0]?.details).toBe(details);
  });
});
