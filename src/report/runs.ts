// Reading run directories back (config.json, metrics.jsonl, summary.json) for plots and CSV.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { InputError, onFile } from '../errors.js';
import { readMetricLines, type RunSummary } from '../train/run.js';
import { ENV_IDS, getEnv } from '../envs/spec.js';
import { flagName } from '../train/config.js';

/** One run as the plots see it. */
export interface LoadedRun {
  dir: string;
  env: string;
  algo: string;
  seed: number;
  /** The agent's index in a run of several agents in one pass. */
  agent?: number;
  /** Such an agent's swept values, as a label part (' learning-rate 0.001'). */
  sweep?: string;
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

/**
 * Loads run directories; an argument that is not one gets an error naming it. A run of several
 * agents in one pass (metrics lines with an `agent` field) becomes one run per agent.
 */
export function loadRuns(dirs: string[], log: (message: string) => void = () => {}): LoadedRun[] {
  if (!dirs.length) throw new InputError('no run directories given; pass one or more runs/<run> folders written by wgrl train');
  const runs: LoadedRun[] = dirs.flatMap((dir) => {
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
    const algo = String(summary?.algo ?? config.algo ?? '?');
    if (typeof rows[0].agent !== 'number') return [{ dir, env, algo, seed: Number(summary?.seed ?? config.seed ?? 0), label: '', threshold, rows, summary, config }];
    const agents = [...new Set(rows.map((r) => r.agent as number))].sort((a, b) => a - b);
    const perAgent = (config.agents ?? []) as Record<string, unknown>[];
    // The fields a sweep varied (besides seed and algo, which the label shows anyway).
    const varied = Object.keys(perAgent[0] ?? {}).filter((f) => f !== 'seed' && f !== 'algo' && new Set(perAgent.map((a) => JSON.stringify(a[f]))).size > 1);
    return agents.map((k) => {
      const own = rows.filter((r) => r.agent === k);
      const sweep = varied.map((f) => ` ${flagName(f)} ${perAgent[k]?.[f]}`).join('');
      return { dir, env, algo: String(perAgent[k]?.algo ?? algo), seed: Number(own[0].seed ?? k), agent: k, sweep, label: '', threshold, rows: own, summary, config: { ...config, ...perAgent[k] } };
    });
  });
  const base = (r: LoadedRun) => `${r.algo} seed ${r.seed}${r.sweep ?? ''}`;
  for (const r of runs) {
    const same = runs.filter((o) => o.env === r.env && base(o) === base(r));
    const where = r.agent !== undefined && same.every((o) => o.dir === r.dir) ? `agent ${r.agent}` : basename(resolve(r.dir)) + (r.agent !== undefined ? ` agent ${r.agent}` : '');
    r.label = same.length > 1 ? `${base(r)} (${where})` : base(r);
  }
  return runs;
}
