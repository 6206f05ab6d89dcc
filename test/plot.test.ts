// wgrl plot and --csv: figures of real (short) runs, the report, the CSV, and their bad input.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { getDevice, scratchDir } from './helpers.js';
import { runTraining, readMetricLines } from '../src/train/run.js';
import { plotRuns, smooth } from '../src/report/plot.js';
import { metricsToCsv } from '../src/report/csv.js';
import type { TrainConfig } from '../src/train/config.js';

const TINY: Partial<TrainConfig> = { env: 'CartPole-v1', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 64 * 5, seed: 5 };
const cliPath = join(process.cwd(), 'dist', 'cli.js');
const cli = (args: string[]) => spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });

// Two short runs shared by the tests below (a PPO and an SPO run of one environment).
const root = mkdtempSync(join(tmpdir(), 'wgrl-plot-'));
const ppoDir = join(root, 'ppo'), spoDir = join(root, 'spo');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(async () => {
  const dev = await getDevice();
  await runTraining(dev, { ...TINY, algo: 'ppo' }, { runDir: ppoDir, csv: true, log: () => {} });
  await runTraining(dev, { ...TINY, algo: 'spo' }, { runDir: spoDir, log: () => {} });
}, 120_000);

const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

describe('wgrl plot', () => {
  it('writes an SVG and a PNG per metric and one self-contained HTML report, runs overlaid and labelled', async () => {
    const out = scratchDir('wgrl-plots-');
    const r = await plotRuns([ppoDir, spoDir], { out, metrics: ['return', 'kl', 'losses/grad_norm'] });
    expect(r.figures.map((f) => f.metric)).toEqual(['return', 'kl', 'grad_norm']);
    for (const m of ['return', 'kl', 'grad_norm']) {
      const svg = readFileSync(join(out, `${m}.svg`), 'utf8');
      expect(svg.startsWith('<svg')).toBe(true);
      // Axis titles, both runs in the legend.
      expect(svg).toContain('environment steps');
      expect(svg).toContain('ppo seed 5');
      expect(svg).toContain('spo seed 5');
      const png = readFileSync(join(out, `${m}.png`));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      // Rasterised at twice the SVG's size.
      const svgWidth = Number(/<svg[^>]*width="(\d+(?:\.\d+)?)"/.exec(svg)![1]);
      expect(pngSize(png).width).toBe(Math.round(2 * svgWidth));
    }
    const ret = readFileSync(join(out, 'return.svg'), 'utf8');
    expect(ret).toContain('episodic return (sum of rewards)');
    expect(ret).toContain('threshold 475');
    expect(readFileSync(join(out, 'kl.svg'), 'utf8')).not.toContain('threshold');
    // A metric that is already a mean (or logged only every N iterations) is drawn as is, not smoothed.
    const means = await plotRuns([ppoDir], { out: join(out, 'means'), metrics: ['return_100'], formats: ['svg'] });
    expect(means.figures[0].svg).toContain('already a mean over episodes');
    expect(means.figures[0].svg).not.toContain('moving average');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)!.length).toBeGreaterThanOrEqual(3);
    // Self-contained: nothing fetched from elsewhere.
    expect(html).not.toMatch(/<script|<link|<img|url\((?!#)/);
    // Each inlined figure keeps its own clip paths (ids unique in the page).
    const ids = [...html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const [, ref] of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref);
    expect(html).toContain('CartPole-v1');
    expect(html).toContain(ppoDir);
  }, 60_000);

  it('by default draws the standard metrics that were logged, and never an unlogged one', async () => {
    const out = scratchDir('wgrl-plots-');
    const r = await plotRuns([ppoDir], { out, formats: ['svg'] });
    expect(r.figures.map((f) => f.metric)).toEqual(['return', 'kl', 'clipfrac', 'policy_loss', 'value_loss', 'entropy', 'sps']);
    expect(existsSync(join(out, 'return.png'))).toBe(false);
    expect(existsSync(join(out, 'report.html'))).toBe(false);
  }, 60_000);

  it('the smoothed line is the debiased exponential moving average', () => {
    const xs = [3, -1, 4, 1, 5, 9, 2, 6];
    for (const w of [0, 0.5, 0.9]) {
      const got = smooth(xs, w);
      xs.forEach((_, t) => {
        // Σ_i w^(t−i)(1−w) x_i / (1 − w^(t+1)), the weights normalised to sum to 1.
        let num = 0, den = 0;
        for (let i = 0; i <= t; i++) { num += w ** (t - i) * xs[i]; den += w ** (t - i); }
        expect(got[t]).toBeCloseTo(num / den, 12);
      });
    }
  });

  it('bad input names the problem: an unknown metric, a folder that is not a run, smoothing out of range', async () => {
    const out = scratchDir('wgrl-plots-');
    await expect(plotRuns([ppoDir], { out, metrics: ['retrun'] })).rejects.toThrow(/unknown metric 'retrun' \(did you mean 'return'\?\)/);
    const notRun = scratchDir('wgrl-notrun-');
    await expect(plotRuns([notRun], { out })).rejects.toThrow(/is not a wgrl run directory \(it has no metrics.jsonl\)/);
    await expect(plotRuns([join(notRun, 'missing')], { out })).rejects.toThrow(/no such run directory/);
    await expect(plotRuns([ppoDir], { out, smoothing: 1 })).rejects.toThrow(/--smoothing must be in \[0, 1\)/);
    await expect(plotRuns([], { out })).rejects.toThrow(/no run directories given/);
    const empty = join(notRun, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'metrics.jsonl'), '');
    await expect(plotRuns([empty], { out })).rejects.toThrow(/holds no iterations yet/);
  });

  it('the CLI: plot two runs; bad flags exit 2 with the nearest flag', () => {
    const out = scratchDir('wgrl-plots-');
    const ok = cli(['plot', ppoDir, spoDir, '--out', out, '--metrics', 'return', '--format', 'svg,html']);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/1 figures of 2 runs/);
    expect(existsSync(join(out, 'return.svg')) && existsSync(join(out, 'report.html'))).toBe(true);
    expect(cli(['plot']).stderr).toMatch(/needs at least one run directory/);
    const bad = cli(['plot', ppoDir, '--metric', 'return']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown option --metric .*did you mean '--metrics'/);
    expect(cli(['plot', ppoDir, '--format', 'jpg']).stderr).toMatch(/unknown format 'jpg'/);
    expect(cli(['plot', ppoDir, '--smoothing', '2']).stderr).toMatch(/--smoothing expects a number in \[0, 1\)/);
    expect(cli(['plot', '--help']).stdout).toMatch(/--metrics/);
  }, 60_000);

  it('wgrl train --plot --csv writes the report and the CSV when the run ends', () => {
    const dir = join(scratchDir('wgrl-trainplot-'), 'run');
    const r = cli(['train', '--run-dir', dir, '--plot', '--csv', '--quiet', '--num-envs', '4', '--num-steps', '16', '--num-minibatches', '2', '--update-epochs', '1', '--total-timesteps', '192']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(join(dir, 'plots', 'report.html'));
    for (const f of ['return.svg', 'return.png', 'report.html']) expect(existsSync(join(dir, 'plots', f))).toBe(true);
    expect(readFileSync(join(dir, 'metrics.csv'), 'utf8').trim().split('\n').length).toBe(1 + 3);
  }, 120_000);
});

describe('--csv', () => {
  it('metrics.csv holds the same records as metrics.jsonl', () => {
    const records = readMetricLines(join(ppoDir, 'metrics.jsonl'), () => {});
    const lines = readFileSync(join(ppoDir, 'metrics.csv'), 'utf8').trim().split('\n');
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['iteration', 'global_step', 'charts/episodic_return']);
    expect(lines.length).toBe(records.length + 1);
    records.forEach((rec, i) => {
      const cells = lines[i + 1].split(',');
      header.forEach((h, j) => {
        const v = rec[h];
        if (v === null || v === undefined) expect(cells[j]).toBe('');
        else expect(Number(cells[j])).toBe(v);
      });
    });
    expect(existsSync(join(spoDir, 'metrics.csv'))).toBe(false);
  });

  it('quotes cells that hold commas, quotes or newlines, and leaves missing ones empty', () => {
    expect(metricsToCsv([{ a: 1, b: 'x,y' }, { a: 2, c: 'say "hi"\nbye' }, { b: null }]))
      .toBe('a,b,c\n1,"x,y",\n2,,"say ""hi""\nbye"\n,,\n');
  });
});
