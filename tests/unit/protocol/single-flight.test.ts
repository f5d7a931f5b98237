import { SingleFlight } from '../../../src/protocol/single-flight';

/** A load the test settles by hand. */
function deferred<V>() {
  let resolve!: (value: V) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<V>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('shares one load among concurrent callers of a key, and tells which ones joined', async () => {
    const flights = new SingleFlight();
    const load = deferred<string>();
    const loader = jest.fn(() => load.promise);
    const callers = Array.from({ length: 50 }, () => flights.run('k', loader));
    expect(loader).toHaveBeenCalledTimes(1);
    expect(flights.size).toBe(1);
    load.resolve('v');
    const results = await Promise.all(callers);
    expect(results.map((result) => result.value)).toEqual(Array(50).fill('v'));
    expect(results.filter((result) => !result.joined)).toHaveLength(1);
    expect(results[0]?.joined).toBe(false);
  });

  it('keeps loads of different keys apart', async () => {
    const flights = new SingleFlight();
    const a = flights.run('a', async () => 'A');
    const b = flights.run('b', async () => 'B');
    expect(flights.size).toBe(2);
    expect(await a).toEqual({ value: 'A', joined: false });
    expect(await b).toEqual({ value: 'B', joined: false });
  });

  it('forgets a load once it settled: a later caller loads again', async () => {
    const flights = new SingleFlight();
    const loader = jest.fn(async () => 'v');
    await flights.run('k', loader);
    expect(flights.size).toBe(0);
    expect(await flights.run('k', loader)).toEqual({ value: 'v', joined: false });
    expect(loader).toHaveBeenCalledTimes(2);
  });

  it('gives a failed load’s error to every caller and forgets it', async () => {
    const flights = new SingleFlight();
    const load = deferred<string>();
    const first = flights.run('k', () => load.promise);
    const joined = flights.run('k', () => Promise.resolve('never'));
    load.reject(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await expect(joined).rejects.toThrow('database down');
    expect(flights.size).toBe(0);
    expect(await flights.run('k', async () => 'again')).toEqual({ value: 'again', joined: false });
  });

  it('forgets a synchronous throw of the loader at once', async () => {
    const flights = new SingleFlight();
    await expect(
      flights.run('k', () => {
        throw new Error('no load');
      }),
    ).rejects.toThrow('no load');
    expect(flights.size).toBe(0);
  });

  it('forget() makes later callers load anew; the forgotten load still answers its own callers', async () => {
    const flights = new SingleFlight();
    const old = deferred<string>();
    const before = flights.run('k', () => old.promise);
    const joinedBefore = flights.run('k', () => Promise.resolve('unused'));
    flights.forget(['k', 'other']);
    expect(flights.size).toBe(0);

    const fresh = deferred<string>();
    const after = flights.run('k', () => fresh.promise);
    old.resolve('old');
    fresh.resolve('new');
    expect(await before).toEqual({ value: 'old', joined: false });
    expect(await joinedBefore).toEqual({ value: 'old', joined: true });
    expect(await after).toEqual({ value: 'new', joined: false });
  });

  it('the old load settling after forget() does not remove the new load of the key', async () => {
    const flights = new SingleFlight();
    const old = deferred<string>();
    const before = flights.run('k', () => old.promise);
    flights.forget(['k']);
    const fresh = deferred<string>();
    const after = flights.run('k', () => fresh.promise);
    old.resolve('old');
    await before;
    expect(flights.size).toBe(1);
    const joiner = flights.run('k', () => Promise.resolve('unused'));
    fresh.resolve('new');
    expect(await joiner).toEqual({ value: 'new', joined: true });
    await after;
    expect(flights.size).toBe(0);
  });

  it('close() stops later callers from joining, before the load settles', async () => {
    const flights = new SingleFlight();
    const load = deferred<string>();
    let close!: () => void;
    const first = flights.run('k', (closeLoad) => {
      close = closeLoad;
      return load.promise;
    });
    const joined = flights.run('k', () => Promise.resolve('unused'));
    close();
    expect(flights.size).toBe(0);
    const own = flights.run('k', async () => 'own');
    load.resolve('shared');
    expect(await first).toEqual({ value: 'shared', joined: false });
    expect(await joined).toEqual({ value: 'shared', joined: true });
    expect(await own).toEqual({ value: 'own', joined: false });
  });

  it('close() called synchronously, before the load has started, leaves nobody able to join', async () => {
    const flights = new SingleFlight();
    const load = deferred<string>();
    const first = flights.run('k', (close) => {
      close();
      return load.promise;
    });
    expect(flights.size).toBe(0);
    const second = flights.run('k', async () => 'own');
    load.resolve('shared');
    expect((await first).value).toBe('shared');
    expect(await second).toEqual({ value: 'own', joined: false });
    expect(flights.size).toBe(0);
  });

  it('close() of an old load does not remove the newer load of the same key', async () => {
    const flights = new SingleFlight();
    const old = deferred<string>();
    let closeOld!: () => void;
    const before = flights.run('k', (close) => {
      closeOld = close;
      return old.promise;
    });
    flights.forget(['k']);
    const fresh = deferred<string>();
    const after = flights.run('k', () => fresh.promise);
    closeOld();
    expect(flights.size).toBe(1);
    old.resolve('old');
    fresh.resolve('new');
    await Promise.all([before, after]);
  });
});
