// The demo in a real browser: Debian's Chromium, headless, WebGPU on SwiftShader.
import { describe, it, expect } from 'vitest';
import { mkdirSync } from 'node:fs';
import puppeteer from 'puppeteer-core';
// @ts-expect-error plain ESM script without types
import { serveDemo } from '../scripts/serve-demo.mjs';

const CHROMIUM = process.env.WGRL_CHROMIUM ?? '/usr/bin/chromium';

describe('in-browser demo', () => {
  it('trains CartPole with SPO in the page until the return chart is well above a random policy', async () => {
    const { server, url } = await serveDemo(0);
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const consoleErrors: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      await page.setViewport({ width: 1200, height: 1000 });
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as any).wgrlDemo?.status?.startsWith('ready'), { timeout: 30_000 });
      await page.select('#env', 'CartPole-v1');
      await page.select('#algo', 'spo');
      await page.click('#start');
      // Random CartPole play returns about 22; wait for the plotted 100-episode mean to pass 60.
      const last = await page.waitForFunction(() => {
        const d = (window as any).wgrlDemo;
        if (d.errors.length) return { error: d.errors[0] };
        const r = d.runs.spo?.ret ?? [];
        const v = r[r.length - 1];
        return v !== null && v !== undefined && v > 60 ? { ret: v, steps: d.runs.spo.steps.at(-1), adapter: d.adapter } : false;
      }, { timeout: 300_000, polling: 1000 }).then((h) => h.jsonValue() as Promise<{ ret?: number; steps?: number; adapter?: string; error?: string }>);
      expect(last.error).toBeUndefined();
      expect(last.ret!).toBeGreaterThan(60);
      await page.click('#pause');
      // The chart canvases exist and have been drawn into.
      expect(await page.$$eval('#charts canvas', (cs) => cs.length)).toBeGreaterThanOrEqual(4);
      mkdirSync('results', { recursive: true });
      await page.screenshot({ path: 'results/demo-cartpole-spo.png', fullPage: true });
      console.log(`demo: return(100) ${last.ret?.toFixed(1)} after ${last.steps} steps on ${last.adapter}; screenshot results/demo-cartpole-spo.png`);
      expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });

  it('says what to enable when the browser has no WebGPU', async () => {
    const { server, url } = await serveDemo(0);
    const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-features=WebGPU', '--no-first-run', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      await page.evaluateOnNewDocument(() => { Object.defineProperty(navigator, 'gpu', { value: undefined, configurable: true }); delete (Navigator.prototype as any).gpu; });
      await page.goto(url, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as any).wgrlDemo?.status === 'no WebGPU', { timeout: 30_000 });
      const text = await page.$eval('#nogpu', (e) => (e as HTMLElement).innerText);
      expect(text).toMatch(/enable-unsafe-webgpu/);
      expect(await page.$eval('#start', (b) => (b as HTMLButtonElement).disabled)).toBe(true);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
