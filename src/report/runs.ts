// Reading run directories back (config.json, metrics.jsonl, summary.json) for plots and CSV.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, onFile } from '../errors.js';
import { readMetricLines, type RunSummary } from '../train/run.js';
import { ENV_IDS, getEnv } from '../envs/spec.js';

/** One run as the plots see it. */
export interface LoadedRun {
  dir: string;
  env: string;
  algo: string;
  seed: number;
  /** Legend label: "algo seed N", with the directory's name added where two runs would share it. */
  label: string;
  /** The task's reward threshold (Gymnasium's), or null for tasks without one. */
  threshold: number | null;
  /** One record per iteration, as metrics.jsonl holds it. */
  rows: Record<string, unknown>[];
  summary: RunSummary | null;
  config: Record<string, unknown>;
}

function readJson(path: string): Record<string, unknown> {
  const text = onFile(path, 'read', () => readFileSync(path, 'utf8'));
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new InputError(`${path} is not valid JSON; the run directory was altered`);
  }
}

/** Loads run directories; an argument that is not one gets an error naming it. */
export function loadRuns(dirs: string[], log: (message: string) => void = () => {}): LoadedRun[] {
  if (!dirs.length) throw new InputError('no run directories given; pass one or more runs/<run> folders written by wgrl train');
  const runs: LoadedRun[] = dirs.map((dir) => {
    if (!existsSync(dir)) throw new InputError(`${dir}: no such run directory; check the path`);
    if (!statSync(dir).isDirectory()) throw new InputError(`${dir} is a file; pass the run's directory (the folder holding metrics.jsonl)`);
    const metricsPath = join(dir, 'metrics.jsonl');
    if (!existsSync(metricsPath)) throw new InputError(`${dir} is not a wgrl run directory (it has no metrics.jsonl)`);
    const config = existsSync(join(dir, 'config.json')) ? readJson(join(dir, 'config.json')) : {};
    const summary = existsSync(join(dir, 'summary.json')) ? (readJson(join(dir, 'summary.json')) as unknown as RunSummary) : null;
    const rows = readMetricLines(metricsPath, log);
    if (!rows.length) throw new InputError(`${metricsPath} holds no iterations yet; plot it after the first iteration has ended`);
    const env = String(summary?.env ?? config.env ?? 'unknown');
    const threshold = summary?.reward_threshold ?? ((ENV_IDS as readonly string[]).includes(env) ? getEnv(env).rewardThreshold ?? null : null);
    return { dir, env, algo: String(summary?.algo ?? config.algo ?? '?'), seed: Number(summary?.seed ?? config.seed ?? 0), label: '', threshold, rows, summary, config };
  });
  const base = (r: LoadedRun) => `${r.algo} seed ${r.seed}`;
  for (const r of runs) {
    const same = runs.filter((o) => o.env === r.env && base(o) === base(r));
    r.label = same.length > 1 ? `${base(r)} (${basename(resolve(r.dir))})` : base(r);
  }
  return runs;
}
