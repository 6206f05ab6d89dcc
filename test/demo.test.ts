// The demo in a real browser: Debian's Chromium, headless, WebGPU on SwiftShader.
import { describe, it, expect } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getDevice, scratchDir } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { saveCheckpoint } from '../src/train/checkpoint.js';
import puppeteer from 'puppeteer-core';
// @ts-expect-error plain ESM script without types
import { serveDemo } from '../scripts/serve-demo.mjs';

const CHROMIUM = process.env.WGRL_CHROMIUM ?? '/usr/bin/chromium';

describe('in-browser demo', () => {
  it('trains until learned; Pause and Reset mid-run; greedy playback; opens a metrics.jsonl; loads a checkpoint and a compared pair; settings in the URL', async () => {
    // A checkpoint from Node, to load into the page (the same bytes wgrl train writes).
    const dev = await getDevice();
    const nodeTrainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo', numEnvs: 8, numSteps: 32, totalTimesteps: 256 * 40, seed: 9 });
    for (let i = 0; i < 3; i++) await nodeTrainer.iterate();
    const files = scratchDir('wgrl-demo-');
    const ckpt = join(files, 'cartpole-ppo.safetensors');
    await saveCheckpoint(nodeTrainer, ckpt);
    // PPO and SPO as two agents of one pass, as the page's compare mode trains and saves them.
    const pairTrainer = new Trainer(dev, { env: 'CartPole-v1', numEnvs: 8, numSteps: 32, totalTimesteps: 256 * 40, seed: 4 }, undefined, [{ algo: 'ppo' }, { algo: 'spo' }]);
    for (let i = 0; i < 2; i++) await pairTrainer.iterateAgents();
    const pairCkpt = join(files, 'cartpole-ppo+spo.safetensors');
    await saveCheckpoint(pairTrainer, pairCkpt);
    // A metrics file as a CLI run leaves it, torn last line included.
    const jsonl = join(files, 'cli-run.jsonl');
    writeFileSync(jsonl, Array.from({ length: 20 }, (_, i) => JSON.stringify({ iteration: i + 1, global_step: 2048 * (i + 1), 'charts/mean_return_100': 20 + 10 * i, 'charts/average_kld': 0.01, 'losses/clipfrac': 0.1, 'charts/SPS': 900 })).join('\n') + '\n{"iteration": 21, "glo');

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
      // Settings come from the URL.
      await page.goto(`${url}?env=CartPole-v1&algo=spo&totalTimesteps=150000&seed=1`, { waitUntil: 'load' });
      await page.waitForFunction(() => (window as any).wgrlDemo?.status?.startsWith('ready'), { timeout: 30_000 });
      expect(await page.$eval('#totalTimesteps', (e) => (e as HTMLInputElement).value)).toBe('150000');
      expect(await page.$eval('#algoText', (e) => e.textContent)).toMatch(/^SPO/);
      const demo = <T>(f: string) => page.evaluate(`(() => { const d = window.wgrlDemo; return ${f}; })()`) as Promise<T>;
      const waitFor = (f: string, timeout = 120_000) => page.waitForFunction(`(() => { const d = window.wgrlDemo; if (d.errors.length) throw new Error(d.errors[0]); return ${f}; })()`, { timeout, polling: 200 });

      // Pause mid-run waits for the iteration in flight, then nothing more runs.
      await page.click('#start');
      await waitFor('d.iterations >= 3');
      await page.click('#pause');
      await waitFor("d.status.includes('paused')");
      const paused = await demo<number>('d.iterations');
      await new Promise((r) => setTimeout(r, 1500));
      expect(await demo<number>('d.iterations')).toBe(paused);
      // Start continues the same run; Reset mid-iteration waits for it, and leaves no error.
      await page.click('#start');
      await waitFor(`d.iterations >= ${paused + 2}`);
      await page.click('#reset');
      await waitFor("d.status.startsWith('reset:')");
      expect(await demo<string[]>('d.errors')).toEqual([]);
      expect(await demo<number>('Object.keys(d.runs).length')).toBe(0);
      expect(page.url()).toContain('algo=spo');

      // A fresh run until it has clearly learned (return(100) ≥ 400, or the 150k-step budget spent).
      await page.click('#start');
      await waitFor("(d.runs.spo?.ret.at(-1) ?? 0) >= 400 || d.status.endsWith('done')", 240_000);
      const learned = await demo<{ ret: number; steps: number; adapter: string }>('({ ret: d.runs.spo.ret.at(-1), steps: d.runs.spo.steps.at(-1), adapter: d.adapter })');
      // A random policy returns about 22.
      expect(learned.ret).toBeGreaterThan(200);
      if (!(await demo<boolean>("d.status.endsWith('done')"))) { await page.click('#pause'); await waitFor("d.status.includes('paused')"); }
      // Greedy playback of the trained policy, animated step by step.
      await page.click('#watch');
      await waitFor('d.watchSteps >= 60', 60_000);
      expect(await page.$eval('#watchCaption', (e) => e.textContent)).toMatch(/CartPole-v1 · spo: greedy policy/);
      expect(await page.$$eval('#charts canvas', (cs) => cs.length)).toBeGreaterThanOrEqual(4);
      mkdirSync('results', { recursive: true });
      await page.screenshot({ path: 'results/demo-cartpole-spo.png', fullPage: true });
      console.log(`demo: return(100) ${learned.ret.toFixed(1)} after ${learned.steps} steps on ${learned.adapter}; screenshot results/demo-cartpole-spo.png`);
      await page.click('#watch');
      await waitFor("document.getElementById('watchView').style.display === 'none'");

      // A CLI run's metrics.jsonl drawn in the same charts (the torn last line dropped).
      await (await page.$('#loadMetrics'))!.uploadFile(jsonl);
      await waitFor("d.runs['cli-run'] !== undefined");
      expect(await demo<number[]>("d.runs['cli-run'].steps.length")).toBe(20);
      expect(await demo<number>("d.runs['cli-run'].ret[19]")).toBe(210);

      // A checkpoint loaded back continues training where it stopped.
      await (await page.$('#loadCheckpoint'))!.uploadFile(ckpt);
      await waitFor("d.status.startsWith('loaded')");
      expect(await demo<string>('d.status')).toMatch(/CartPole-v1 ppo seed 9 at iteration 3, 768 steps/);
      expect(await page.$eval('#numEnvs', (e) => (e as HTMLInputElement).value)).toBe('8');
      await page.click('#start');
      await waitFor('(d.runs.ppo?.steps.length ?? 0) >= 1');
      expect(await demo<number>('d.runs.ppo.steps[0]')).toBe(768 + 256);
      await page.click('#pause');
      await waitFor("d.status.includes('paused')");

      // GRPO on the sequence task: choosing them fills in GRPO's shape (one 4-step episode per
      // rollout, 32 groups of 8), γ does not apply, and the prompts and outputs show as text.
      await page.click('#reset');
      await waitFor("d.status.startsWith('reset:')");
      await page.select('#env', 'SortDigits-v0');
      await page.select('#algo', 'grpo');
      expect(await page.$eval('#numSteps', (e) => (e as HTMLInputElement).value)).toBe('4');
      expect(await page.$eval('#numEnvs', (e) => (e as HTMLInputElement).value)).toBe('256');
      expect(await page.$eval('#gamma', (e) => (e as HTMLInputElement).disabled)).toBe(true);
      expect(await page.$eval('#algoText', (e) => e.textContent)).toMatch(/^GRPO/);
      await page.click('#start');
      await waitFor('(d.runs.grpo?.steps.length ?? 0) >= 3');
      const lines = await demo<string[]>('d.envText');
      expect(lines.length).toBe(4);
      for (const line of lines) expect(line).toMatch(/^prompt( \d){4} → output( \d){4}  (exact|[0-3]\/4 in place)$/);
      await page.click('#pause');
      await waitFor("d.status.includes('paused')");

      // Compare mode: PPO and SPO train as two agents of one pass, step for step; a checkpoint
      // of such a pair loads back as both curves and continues.
      await (await page.$('#loadCheckpoint'))!.uploadFile(pairCkpt);
      await waitFor("d.status.startsWith('loaded')");
      expect(await page.$eval('#compare', (e) => (e as HTMLInputElement).checked)).toBe(true);
      await page.click('#start');
      await waitFor('(d.runs.ppo?.steps.length ?? 0) >= 2 && (d.runs.spo?.steps.length ?? 0) >= 2');
      expect(await demo<number[]>('[d.runs.ppo.steps[0], d.runs.spo.steps[0]]')).toEqual([512 + 256, 512 + 256]);
      await page.click('#pause');
      await waitFor("d.status.includes('paused')");
      // A fresh comparison from the controls (compare stays ticked after Reset).
      await page.click('#reset');
      await waitFor("d.status.startsWith('reset:')");
      await page.click('#start');
      await waitFor('(d.runs.ppo?.steps.length ?? 0) >= 2 && (d.runs.spo?.steps.length ?? 0) >= 2');
      expect(await demo<number>('d.runs.ppo.steps[1]')).toBe(await demo<number>('d.runs.spo.steps[1]'));
      await page.click('#pause');
      await waitFor("d.status.includes('paused')");
      expect(consoleErrors, consoleErrors.join('\n')).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 600_000);

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
