import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { TOKENS } from '../../../../example/container';
import { runTraffic, startAdminServer, type RunningAdminServer } from './support/admin-server';
import { until } from '../../../support/wait';

// GET /dashboard in a real headless Chromium (Debian's, driven by playwright-core): the page loads, reads /metrics
// itself, and its numbers move while a load runs against the server.

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

describe('the live dashboard page', () => {
  let app: RunningAdminServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    app = await startAdminServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const shown = (testId: string) => page.getByTestId(testId).textContent();
  /** Reads of /metrics the page has rendered (it counts them in `data-samples` on its body). */
  const samples = async () => Number(await page.locator('body').getAttribute('data-samples'));

  it('loads from the server alone, and shows the state of the cache', async () => {
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const response = await page.goto(`${app.base}/dashboard?interval=200`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^text\/html/);
    await until(async () => (await samples()) >= 2, 10_000, 'the page to render two reads of /metrics');
    expect(await shown('breaker')).toBe('closed');
    expect(await shown('tracking')).toMatch(/^(active|inactive)$/);
    expect(await shown('outbox-backlog')).toBe('0');
    expect(await shown('dataset-clears')).toMatch(/^\d+$/);
    expect(await shown('audit-ratio')).toBe('0.000 %');
    // Nothing but the page and /metrics of this server: no CDN, no build artefact.
    expect(requests.every((url) => url.startsWith(`${app.base}/dashboard`) || url === `${app.base}/metrics`)).toBe(
      true,
    );
    expect(pageErrors).toEqual([]);
  });

  it('moves while a load runs: hits per second, hits since start, the hit-ratio lines', async () => {
    const hitsBefore = Number(await shown('hits-total'));
    const seen = { hitsPerSecond: 0, samples: await samples() };
    const deadline = performance.now() + 3000;
    const load = (async () => {
      while (performance.now() < deadline) await runTraffic(app, 1);
    })();
    await until(
      async () => {
        seen.hitsPerSecond = Math.max(seen.hitsPerSecond, Number(await shown('hits-per-second')));
        return seen.hitsPerSecond > 0 && Number(await shown('hits-total')) > hitsBefore;
      },
      10_000,
      'the page to show the load',
      () => JSON.stringify(seen),
    );
    await load;
    const after = await samples();
    await until(async () => (await samples()) >= after + 3, 10_000, 'three more reads of /metrics');
    expect(Number(await shown('hits-total'))).toBeGreaterThan(hitsBefore);
    // A line per entity type read under the load, with points.
    const lines = await page.locator('#ratio-chart polyline').count();
    expect(lines).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#ratio-legend').textContent()).toContain('card');
    expect(Number(await shown('audit-counts').then((text) => text?.split(' / ')[0]))).toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);

    const directory = mkdtempSync(join(tmpdir(), 'cachedrepo-dashboard-'));
    const screenshot = join(directory, 'dashboard.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`dashboard screenshot: ${screenshot}`);
  });

  it('turns the breaker tile to open when Redis goes away', async () => {
    await app.redis.stop();
    const cards = app.container.resolve(TOKENS.CardRepository);
    await until(
      async () => {
        await cards.findById(app.data.cards[0]!.id);
        return (await shown('breaker')) === 'open';
      },
      15_000,
      'the breaker tile to show open',
    );
    expect(await page.getByTestId('breaker').getAttribute('class')).toContain('bad');
  });
});
