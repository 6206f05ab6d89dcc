// wgrl reproduce spo: the statistics (IQM, quantiles, bootstrap intervals) against values
// computed by hand, and a tiny study end to end: runs, figures, results.json, REPORT.md, and
// a second call that reuses the finished runs.
import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getDevice, scratchDir } from './helpers.js';
import { bootstrapInterval, iqm, quantile } from '../src/report/stats.js';
import { reproduceSpo, type ReproducePreset } from '../src/report/reproduce.js';

describe('reproduce spo', () => {
  it('IQM, quantiles and the bootstrap interval', () => {
    expect(iqm([5, 1, 4, 2, 3])).toBe(3);                 // cuts 1 value from each end: mean of 2, 3, 4
    expect(iqm([1, 2, 3, 4, 100, -100, 7, 8])).toBe(4);   // sorted −100 1 2 3 4 7 8 100, cuts 2 from each end: mean of 2, 3, 4, 7
    expect(iqm([7])).toBe(7);
    expect(quantile([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(bootstrapInterval([2, 2, 2], iqm)).toEqual([2, 2]);
    const xs = [10, 12, 9, 30, 11];
    const [lo, hi] = bootstrapInterval(xs, iqm);
    expect(lo).toBeLessThanOrEqual(iqm(xs));
    expect(hi).toBeGreaterThanOrEqual(iqm(xs));
    expect(lo).toBeGreaterThanOrEqual(9);
    expect(hi).toBeLessThanOrEqual(30);
    expect(bootstrapInterval(xs, iqm)).toEqual([lo, hi]); // seeded
  });

  it('a tiny study: every run, the figures, results.json and REPORT.md; a second call reuses finished runs', async () => {
    const dev = await getDevice();
    const preset: ReproducePreset = {
      description: 'test', envs: [{ env: 'CartPole-v1', totalTimesteps: 512 * 3 }], algos: ['ppo', 'spo'], seeds: [1, 2],
      depths: [{ name: 'shallow', actorHidden: [8, 8] }, { name: 'deep', actorHidden: [8, 8, 8, 8, 8, 8] }],
    };
    const out = join(scratchDir('wgrl-reproduce-'), 'study');
    const r = await reproduceSpo(dev, { preset, out });
    expect(r.runs.length).toBe(8);
    for (const f of ['CartPole-v1-return.svg', 'CartPole-v1-return.png', 'CartPole-v1-kl.svg', 'CartPole-v1-kl.png', 'results.json', 'REPORT.md']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'CartPole-v1-return.svg'), 'utf8')).toMatch(/^<svg/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.cells.length).toBe(4);
    for (const c of results.cells) {
      expect(c.final_returns.length).toBe(2);
      expect(c.iqm).toBeCloseTo(c.final_returns.reduce((a: number, b: number) => a + b, 0) / 2, 9); // 2 seeds: nothing cut
      expect(c.iqm_95[0]).toBeLessThanOrEqual(c.iqm);
    }
    const report = readFileSync(join(out, 'REPORT.md'), 'utf8');
    expect(report).toMatch(/\| CartPole-v1 \| spo \| deep \| -?\d+\.\d \| \[/);
    expect(report).toMatch(/SPO's KL peaked lower than PPO's in \d of 2 cases; PPO's KL grew over training in \d of 2\./);
    expect(report).toMatch(/In \d of 1 environments the deep actor cost PPO more return than SPO\./);
    const raw = join(out, 'raw', 'CartPole-v1__ppo__deep__seed2.jsonl');
    expect(readFileSync(raw, 'utf8').trim().split('\n').length).toBe(3);
    const before = statSync(raw).mtimeMs;
    const again = await reproduceSpo(dev, { preset, out });
    expect(statSync(raw).mtimeMs).toBe(before);
    expect(again.runs.map((x) => x.final)).toEqual(r.runs.map((x) => x.final));
  });
});
