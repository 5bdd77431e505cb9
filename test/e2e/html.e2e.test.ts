// matrix.html in a real headless Chromium: hostile guest output shows as
// text, nothing runs, the filters work, and the page renders.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtemp, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { renderHtml } from '../../harness/report/html.ts';
import { sampleRun } from '../fixtures/sample-run.ts';

let browser: Browser;
let file: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lsmm-html-'));
  file = join(dir, 'matrix.html');
  await writeFile(file, renderHtml(sampleRun(), { 'debian-6.12 apparmor': ['<img src=x onerror="window.pwned=1">', '\x1b[31mred\x1b[0m console'] }));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => { await browser?.close(); });

test('hostile output is text, the filters work, the page is not blank', async () => {
  const page = await browser.newPage();
  const dialogs: string[] = [];
  const requests: string[] = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  page.on('request', (r) => { if (!r.url().startsWith('file://')) requests.push(r.url()); });
  await page.goto(`file://${file}`);
  await page.locator('#cell-debian-6-12-apparmor details').first().evaluate((d) => ((d as HTMLDetailsElement).open = true));
  for (const d of await page.locator('details').all()) await d.evaluate((x) => ((x as HTMLDetailsElement).open = true));
  // The guest's <script> and <img> are on the page as characters, not elements.
  expect(await page.locator('pre', { hasText: '<script>alert(1)</script>' }).count()).toBeGreaterThan(0);
  expect(await page.locator('pre', { hasText: '<img src=x onerror=' }).count()).toBeGreaterThan(0);
  expect(await page.locator('pre', { hasText: '␛[31mred' }).count()).toBeGreaterThan(0);
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.evaluate(() => (window as any).pwned)).toBeUndefined();
  expect(dialogs).toEqual([]);
  expect(requests).toEqual([]);
  // The support table has the guide's 20 rows; a failure names its cause.
  expect(await page.locator('#support tr[data-tech]').count()).toBe(20);
  expect(await page.locator('#support td.fails').first().textContent()).toMatch(/fails: namespace not created/);
  // Filtering by kernel hides the other kernel's cells.
  await page.selectOption('#f-kernel', 'debian-6.1');
  expect(await page.locator('#cell-debian-6-12-apparmor').isHidden()).toBe(true);
  expect(await page.locator('#cell-debian-6-1-apparmor').isVisible()).toBe(true);
  await page.selectOption('#f-kernel', '');
  await page.selectOption('#f-tech', 'LXD');
  expect(await page.locator('#support tr[data-tech="Docker"]').first().isHidden()).toBe(true);
  // A real render: a PNG with more than one colour in it.
  const shot = join(dir, 'matrix.png');
  await page.selectOption('#f-tech', '');
  await page.screenshot({ path: shot, fullPage: true });
  const png = await readFile(shot);
  expect(png.length).toBeGreaterThan(20_000);
  // Look at the picture: decode it in the browser and count the colours it has.
  const probe = await browser.newPage();
  const colours = await probe.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width; c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set<number>();
    for (let i = 0; i < px.length; i += 4 * 97) seen.add((px[i]! << 16) | (px[i + 1]! << 8) | px[i + 2]!);
    return seen.size;
  }, png.toString('base64'));
  expect(colours).toBeGreaterThan(5);
}, 120_000);
