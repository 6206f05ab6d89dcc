// wgrl reproduce spo: the comparison of the SPO paper (Xie et al., "Simple Policy Optimization",
// ICML 2025) on wgrl's environments. PPO, SPO, SPO-KL and PPO-KL, several seeds each, with a
// shallow actor (64-64) and a deep one (7 linear layers: 6 hidden of 64; the critic stays
// 64-64), on CartPole-v1, Acrobot-v1 and Pendulum-v1 with CleanRL's defaults. The paper's
// claims tested from the numbers: SPO keeps the per-state KL to the rollout policy bounded
// where PPO's grows, and a deeper actor hurts PPO more than SPO.
//
// The output folder holds raw/ (every run's metrics.jsonl lines), <env>-return and <env>-kl
// figures (median over seeds, 25–75 % band; SVG and PNG), results.json, and REPORT.md (the
// final-return table as IQM with a 95 % bootstrap interval over seeds, and the two claims).
// Every algorithm and seed of one (environment, depth) trains in one pass, as many agents as fit
// the adapter (each agent's result is what its own run gives, src/gpu/agents.ts); a run whose
// raw file is complete is not run again (the others train together), so an interrupted
// reproduction continues where it stopped.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { WgrlDevice } from '../gpu/device.js';
import { adapterName } from '../gpu/device.js';
import { maxAgentsThatFit, Trainer, type IterationMetrics } from '../train/trainer.js';
import { configLayout, makeConfig, numIterationsOf, type TrainConfig } from '../train/config.js';
import { getEnv } from '../envs/spec.js';
import { parseMetricLines } from './csv.js';
import type { Algo } from '../algos/registry.js';
import { onFile, InputError } from '../errors.js';
import { writeFileAtomic } from '../train/checkpoint.js';
import { pngOf, renderSvg } from './plot.js';
import { bootstrapInterval, iqm, quantile } from './stats.js';

export interface ReproducePreset {
  description: string;
  envs: { env: string; totalTimesteps: number; overrides?: Partial<TrainConfig> }[];
  algos: Algo[];
  seeds: number[];
  depths: { name: string; actorHidden: number[] }[];
}

const DEPTHS = [{ name: 'shallow', actorHidden: [64, 64] }, { name: 'deep', actorHidden: [64, 64, 64, 64, 64, 64] }];
const ALGOS_COMPARED: Algo[] = ['ppo', 'spo', 'spo-kl', 'ppo-kl'];

export const SPO_PRESETS: Record<'quick' | 'full', ReproducePreset> = {
  // Sized for about 15 minutes on SwiftShader (2 cores): short budgets, so the curves show the
  // start of learning and the KL behaviour, not final performance.
  quick: {
    description: 'quick: CartPole-v1 and Pendulum-v1 with short budgets, 5 seeds; the start of learning, not final performance',
    envs: [
      { env: 'CartPole-v1', totalTimesteps: 10_240 },
      // 16 environments × 64 steps: more, shorter iterations than CleanRL's 1 × 2048 in a small
      // budget, and a rollout that SwiftShader runs in parallel.
      { env: 'Pendulum-v1', totalTimesteps: 8_192, overrides: { numEnvs: 16, numSteps: 64, numMinibatches: 4 } },
    ],
    algos: ALGOS_COMPARED, seeds: [1, 2, 3, 4, 5], depths: DEPTHS,
  },
  // Meant for a GPU: CleanRL's budgets.
  full: {
    description: 'full: CartPole-v1 and Acrobot-v1 500k steps, Pendulum-v1 1M, CleanRL\'s defaults, 5 seeds',
    envs: [{ env: 'CartPole-v1', totalTimesteps: 500_000 }, { env: 'Acrobot-v1', totalTimesteps: 500_000 }, { env: 'Pendulum-v1', totalTimesteps: 1_000_000 }],
    algos: ALGOS_COMPARED, seeds: [1, 2, 3, 4, 5], depths: DEPTHS,
  },
};

/** One run's curves and result. */
export interface ReproducedRun {
  env: string; algo: Algo; depth: string; seed: number;
  steps: number[]; returns: (number | null)[]; kl: number[];
  /** Mean return of the last 100 episodes at the end. */
  final: number | null;
}

export interface ReproduceOptions { preset: ReproducePreset; out: string; log?: (message: string) => void }

const runName = (env: string, algo: string, depth: string, seed: number) => `${env}__${algo}__${depth}__seed${seed}`;

/** Runs (or loads) every run of the preset, then writes the figures, results.json and REPORT.md. */
export async function reproduceSpo(dev: WgrlDevice, opts: ReproduceOptions): Promise<{ files: string[]; runs: ReproducedRun[] }> {
  const { preset, out } = opts, log = opts.log ?? (() => {});
  const rawDir = join(out, 'raw');
  onFile(rawDir, 'create the output folder', () => mkdirSync(rawDir, { recursive: true }));
  const runs: ReproducedRun[] = [];
  const t0 = performance.now();
  const total = preset.envs.length * preset.algos.length * preset.depths.length * preset.seeds.length;
  let done = 0;
  for (const e of preset.envs) {
    const env = getEnv(e.env);
    for (const depth of preset.depths) {
      const base: Partial<TrainConfig> = { env: e.env, totalTimesteps: e.totalTimesteps, actorHidden: depth.actorHidden, ...e.overrides };
      const members = preset.algos.flatMap((algo) => preset.seeds.map((seed) => ({ algo, seed })));
      const configOf = (m: { algo: Algo; seed: number }) => makeConfig({ ...base, ...m }, env.action.type === 'continuous', env);
      const pathOf = (m: { algo: Algo; seed: number }) => join(rawDir, `${runName(e.env, m.algo, depth.name, m.seed)}.jsonl`);
      const saved = (m: { algo: Algo; seed: number }) => {
        const path = pathOf(m);
        const rows = existsSync(path) ? parseMetricLines(onFile(path, 'read', () => readFileSync(path, 'utf8')), path, 'delete it to run that run again', log) as unknown as IterationMetrics[] : [];
        return rows.length === numIterationsOf(configOf(m)) ? rows : null;
      };
      // The runs still to do, as many agents per pass as fit.
      const todo = members.filter((m) => saved(m) === null);
      const first = configOf(members[0]);
      const perPass = Math.max(1, maxAgentsThatFit(dev, env, first, configLayout(env, first)).agents);
      for (let at = 0; at < todo.length; at += perPass) {
        const pass = todo.slice(at, at + perPass);
        log(`${e.env} ${depth.name}: ${pass.length} agents in one pass (${pass.map((m) => `${m.algo} ${m.seed}`).join(', ')})`);
        const trainer = new Trainer(dev, base, undefined, pass);
        const rows: IterationMetrics[][] = pass.map(() => []);
        while (!trainer.done) (await trainer.iterateAgents()).forEach((m, k) => rows[k].push(m));
        pass.forEach((m, k) => writeFileAtomic(pathOf(m), rows[k].map((r) => JSON.stringify(r)).join('\n') + '\n'));
        trainer.rollout.destroy();
      }
      for (const m of members) {
        const rows = saved(m)!;
        done++;
        runs.push({
          env: e.env, algo: m.algo, depth: depth.name, seed: m.seed, steps: rows.map((r) => r.global_step), returns: rows.map((r) => r['charts/mean_return_100']),
          kl: rows.map((r) => r['charts/average_kld']), final: rows.at(-1)?.['charts/mean_return_100'] ?? null,
        });
        log(`${done}/${total} ${e.env} ${m.algo} ${depth.name} seed ${m.seed}: final return(100) ${runs.at(-1)!.final?.toFixed(1) ?? '-'} (${((performance.now() - t0) / 1000).toFixed(0)} s so far)`);
      }
    }
  }
  const files = await writeOutputs(runs, preset, out, adapterName(dev.adapter), (performance.now() - t0) / 1000);
  return { files, runs };
}

/** The cells of the comparison: every (env, algo, depth) with its runs over seeds. */
function cells(runs: ReproducedRun[]) {
  const key = (r: ReproducedRun) => `${r.env}|${r.algo}|${r.depth}`;
  const by = new Map<string, ReproducedRun[]>();
  for (const r of runs) by.set(key(r), [...(by.get(key(r)) ?? []), r]);
  return [...by.values()].map((rs) => {
    const finals = rs.map((r) => r.final).filter((x): x is number => x !== null);
    // Per iteration: the median and 25–75 % band over seeds (the runs of a cell share their steps).
    const band = (series: (r: ReproducedRun) => (number | null)[]) => rs[0].steps.map((step, i) => {
      const v = rs.map((r) => series(r)[i]).filter((x): x is number => x !== null && Number.isFinite(x));
      return { step, median: quantile(v, 0.5), q25: quantile(v, 0.25), q75: quantile(v, 0.75) };
    }).filter((p) => Number.isFinite(p.median));
    const kl = band((r) => r.kl);
    const quarter = Math.max(1, Math.floor(kl.length / 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      env: rs[0].env, algo: rs[0].algo, depth: rs[0].depth, seeds: rs.length, finals,
      iqm: iqm(finals), interval: bootstrapInterval(finals, iqm),
      returnBand: band((r) => r.returns), klBand: kl,
      peakKl: Math.max(...kl.map((p) => p.median)),
      /** Mean median KL over the last quarter of training over that of the first quarter. */
      klGrowth: mean(kl.slice(-quarter).map((p) => p.median)) / mean(kl.slice(0, quarter).map((p) => p.median)),
    };
  });
}

type Cell = ReturnType<typeof cells>[number];

const PALETTE: Record<string, string> = { ppo: '#4e79a7', spo: '#e15759', 'spo-kl': '#f28e2b', 'ppo-kl': '#76b7b2' };

function bandSpec(env: string, title: string, yTitle: string, cellsOfEnv: Cell[], pick: (c: Cell) => Cell['klBand'], logScale: boolean): TopLevelSpec {
  const values = cellsOfEnv.flatMap((c) => pick(c).map((p) => ({ ...p, algo: c.algo, depth: c.depth, series: `${c.algo} (${c.depth})` })));
  const algos = [...new Set(cellsOfEnv.map((c) => c.algo))];
  const color = { field: 'algo', type: 'nominal' as const, title: 'algorithm', scale: { domain: algos, range: algos.map((a) => PALETTE[a] ?? '#333') },
    legend: { symbolType: 'stroke', symbolStrokeWidth: 3, symbolOpacity: 1 } };
  const dash = { field: 'depth', type: 'nominal' as const, title: 'actor', scale: { domain: ['shallow', 'deep'], range: [[1, 0], [6, 3]] } };
  const x = { field: 'step', type: 'quantitative' as const, title: 'environment steps', axis: { format: '~s', tickCount: 6 } };
  const y = { type: 'quantitative' as const, title: yTitle, scale: logScale ? { type: 'log' as const } : { zero: false } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${env}: ${title}`, subtitle: 'median over seeds, band 25–75 %; solid: 64-64 actor, dashed: 7-layer actor', anchor: 'start' },
    width: 560, height: 300, background: 'white', padding: 12,
    data: { values },
    layer: [
      { mark: { type: 'area', opacity: 0.12, clip: true }, encoding: { x, y: { ...y, field: 'q25' }, y2: { field: 'q75' }, color, detail: { field: 'series' } } },
      { mark: { type: 'line', strokeWidth: 2, clip: true }, encoding: { x, y: { ...y, field: 'median' }, color, strokeDash: dash, detail: { field: 'series' } } },
    ],
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif', legend: { orient: 'bottom', direction: 'horizontal' }, view: { stroke: '#bbb' } },
  } as TopLevelSpec;
}

const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
const fmtKl = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : '-');

async function writeOutputs(runs: ReproducedRun[], preset: ReproducePreset, out: string, adapter: string, seconds: number): Promise<string[]> {
  const all = cells(runs), files: string[] = [];
  const write = (name: string, data: string | Buffer) => { const p = join(out, name); onFile(p, 'write', () => writeFileSync(p, data)); files.push(p); };
  for (const e of preset.envs) {
    const cs = all.filter((c) => c.env === e.env);
    for (const [name, title, yTitle, pick, log] of [
      ['return', 'mean return of the last 100 episodes', 'return (100-episode mean)', (c: Cell) => c.returnBand, false],
      ['kl', 'mean per-state KL(π_old‖π) of each update', 'per-state KL (log scale)', (c: Cell) => c.klBand.filter((p) => p.q25 > 0), true],
    ] as const) {
      const svg = await renderSvg(bandSpec(e.env, title, yTitle, cs, pick, log));
      write(`${e.env}-${name}.svg`, svg);
      write(`${e.env}-${name}.png`, pngOf(svg));
    }
  }
  const table = all.map((c) => ({ env: c.env, algo: c.algo, depth: c.depth, seeds: c.seeds, final_returns: c.finals, iqm: c.iqm, iqm_95: c.interval, peak_median_kl: c.peakKl, kl_growth: c.klGrowth }));
  writeFileAtomic(join(out, 'results.json'), JSON.stringify({ preset: preset.description, adapter, date: new Date().toISOString(), seconds, cells: table }, null, 2) + '\n');
  files.push(join(out, 'results.json'));
  writeFileAtomic(join(out, 'REPORT.md'), reportMarkdown(all, preset, adapter, seconds));
  files.push(join(out, 'REPORT.md'));
  return files;
}

/** REPORT.md: the table, and each claim answered from the numbers. */
export function reportMarkdown(all: Cell[], preset: ReproducePreset, adapter: string, seconds: number): string {
  const lines = [
    '# SPO against PPO: the paper\'s claims on wgrl\'s environments', '',
    `Preset ${preset.description}. Adapter ${adapter}; ${preset.envs.length * preset.algos.length * preset.depths.length * preset.seeds.length} runs in ${fmt(seconds, 0)} s, written ${new Date().toISOString().slice(0, 10)}.`,
    `Budgets: ${preset.envs.map((e) => `${e.env} ${e.totalTimesteps.toLocaleString('en')} steps`).join(', ')}. Actors: shallow 64-64, deep 6 × 64 (7 linear layers); the critic is 64-64.`, '',
    '## Final return (mean of the last 100 episodes), over seeds', '',
    '| env | algo | actor | IQM | 95 % bootstrap interval | per seed | peak median KL | KL growth (last / first quarter) |',
    '|---|---|---|---|---|---|---|---|',
    ...all.map((c) => `| ${c.env} | ${c.algo} | ${c.depth} | ${fmt(c.iqm)} | [${fmt(c.interval[0])}, ${fmt(c.interval[1])}] | ${c.finals.map((x) => fmt(x)).join(', ')} | ${fmtKl(c.peakKl)} | ${fmt(c.klGrowth, 2)} |`),
    '',
  ];
  const get = (env: string, algo: string, depth: string) => all.find((c) => c.env === env && c.algo === algo && c.depth === depth);
  const envs = [...new Set(all.map((c) => c.env))], depths = [...new Set(all.map((c) => c.depth))];
  lines.push('## Did SPO\'s KL stay bounded where PPO\'s grew?', '',
    'The per-state KL of each update to the policy that collected its data (charts/average_kld), median over seeds: its peak over training, and its growth (the mean of the last quarter of training over the first).', '');
  let lower = 0, grew = 0, compared = 0;
  for (const env of envs) {
    for (const depth of depths) {
      const p = get(env, 'ppo', depth), s = get(env, 'spo', depth);
      if (!p || !s) continue;
      compared++;
      if (s.peakKl < p.peakKl) lower++;
      if (p.klGrowth > 1) grew++;
      lines.push(`- ${env}, ${depth} actor: peak KL SPO ${fmtKl(s.peakKl)}, PPO ${fmtKl(p.peakKl)} ` +
        `(${s.peakKl < p.peakKl ? `SPO's ${fmt(p.peakKl / s.peakKl, 1)}× lower` : `SPO's ${fmt(s.peakKl / p.peakKl, 1)}× higher`}); ` +
        `growth SPO ${fmt(s.klGrowth, 2)}×, PPO ${fmt(p.klGrowth, 2)}× (PPO's ${p.klGrowth > 1 ? 'grew' : 'did not grow'}).`);
    }
  }
  lines.push('', `SPO's KL peaked lower than PPO's in ${lower} of ${compared} cases; PPO's KL grew over training in ${grew} of ${compared}.`, '');
  lines.push('## Did the deep actor hurt PPO more than SPO?', '');
  let hurt = 0, pairs = 0;
  for (const env of envs) {
    const ps = get(env, 'ppo', 'shallow'), pd = get(env, 'ppo', 'deep'), ss = get(env, 'spo', 'shallow'), sd = get(env, 'spo', 'deep');
    if (!ps || !pd || !ss || !sd) continue;
    pairs++;
    const dPpo = pd.iqm - ps.iqm, dSpo = sd.iqm - ss.iqm, yes = dPpo < dSpo;
    if (yes) hurt++;
    lines.push(`- ${env}: IQM final return, deep − shallow: PPO ${fmt(dPpo)} (${fmt(ps.iqm)} → ${fmt(pd.iqm)}), SPO ${fmt(dSpo)} (${fmt(ss.iqm)} → ${fmt(sd.iqm)}): ${yes ? 'yes' : 'no'}.`);
  }
  lines.push('', `In ${hurt} of ${pairs} environments the deep actor cost PPO more return than SPO.`, '');
  lines.push('With few seeds and, in the quick preset, short budgets, these are indications: the bootstrap intervals above say how far the final returns overlap.', '');
  return lines.join('\n');
}

/** A preset by name. */
export function spoPreset(name: string): ReproducePreset {
  const p = (SPO_PRESETS as Record<string, ReproducePreset>)[name];
  if (!p) throw new InputError(`unknown preset '${name}'; choose quick or full`);
  return p;
}
