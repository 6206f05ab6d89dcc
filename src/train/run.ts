// A training run on disk: config.json, metrics.jsonl (one line per iteration, CleanRL's metric
// names), checkpoint.safetensors (atomic, every few iterations and at the end), summary.json.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WgrlDevice } from '../gpu/device.js';
import { Trainer, type IterationMetrics } from './trainer.js';
import type { TrainConfig } from './config.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint, writeFileAtomic } from './checkpoint.js';
import type { EnvSpec } from '../envs/spec.js';
import { InputError } from '../errors.js';

export interface RunOptions {
  /** Folder of this run; must not exist unless resuming. */
  runDir: string;
  /** Continue the run in runDir from its checkpoint. */
  resume?: boolean;
  /** Iterations between checkpoints (default 10; the last iteration is always saved). */
  checkpointEvery?: number;
  /** Called after every iteration (progress display). */
  onIteration?: (m: IterationMetrics, trainer: Trainer) => void;
  /** Stop after this many iterations in this process (tests; the run stays resumable). */
  maxIterations?: number;
  /** A custom environment instead of a built-in id. */
  env?: EnvSpec;
}

export interface RunSummary {
  env: string;
  algo: string;
  seed: number;
  global_step: number;
  iterations: number;
  /** Mean return of the last (up to) 100 episodes. */
  final_mean_return_100: number | null;
  /** Environment steps at which the 100-episode mean first reached the task's threshold. */
  steps_to_threshold: number | null;
  reward_threshold: number | null;
  solved: boolean;
  wall_seconds: number;
  sps: number;
  adapter: string;
  finished: boolean;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

export async function runTraining(dev: WgrlDevice, overrides: Partial<TrainConfig>, opts: RunOptions): Promise<RunSummary> {
  const dir = opts.runDir;
  const ckpt = join(dir, CHECKPOINT_FILE);
  const metricsPath = join(dir, 'metrics.jsonl');
  let trainer: Trainer;
  let stepsToThreshold: number | null = null;
  if (opts.resume) {
    const { meta, tensors } = readCheckpoint(ckpt);
    trainer = new Trainer(dev, { ...meta.config, ...overrides }, opts.env);
    restoreCheckpoint(trainer, meta, tensors);
    // Drop metric lines written after the checkpoint (a crash between saves) so the log has each iteration once.
    if (existsSync(metricsPath)) {
      const kept = readFileSync(metricsPath, 'utf8').split('\n').filter((l) => l && JSON.parse(l).iteration <= trainer.host.iteration);
      writeFileAtomic(metricsPath, kept.map((l) => l + '\n').join(''));
      const thr = trainer.env.rewardThreshold;
      if (thr !== undefined) for (const l of kept) { const m = JSON.parse(l); if (stepsToThreshold === null && m['charts/mean_return_100'] >= thr) stepsToThreshold = m.global_step; }
    }
  } else {
    if (existsSync(dir)) throw new InputError(`run directory ${dir} already exists; pass --resume to continue it, or choose another --run-dir (nothing was overwritten)`);
    trainer = new Trainer(dev, overrides, opts.env); // validates the config before anything is written
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...trainer.config, adapter: trainer.adapter }, null, 2) + '\n');
  }
  const every = opts.checkpointEvery ?? 10;
  const threshold = trainer.env.rewardThreshold ?? null;
  const t0 = performance.now();
  const startStep = trainer.host.globalStep;
  let done = 0;
  while (!trainer.done && (opts.maxIterations === undefined || done < opts.maxIterations)) {
    const m = await trainer.iterate();
    done++;
    appendFileSync(metricsPath, JSON.stringify(m) + '\n');
    if (threshold !== null && stepsToThreshold === null && (m['charts/mean_return_100'] ?? -Infinity) >= threshold && trainer.host.recentReturns.length >= 100) {
      stepsToThreshold = m.global_step;
    }
    opts.onIteration?.(m, trainer);
    if (trainer.done || trainer.host.iteration % every === 0) await saveCheckpoint(trainer, ckpt);
  }
  if (!trainer.done) await saveCheckpoint(trainer, ckpt);
  const wall = (performance.now() - t0) / 1000;
  const final = trainer.meanReturn100;
  const summary: RunSummary = {
    env: trainer.env.id, algo: trainer.config.algo, seed: trainer.config.seed, global_step: trainer.host.globalStep,
    iterations: trainer.host.iteration, final_mean_return_100: final, steps_to_threshold: stepsToThreshold,
    reward_threshold: threshold, solved: threshold !== null && final !== null && final >= threshold,
    wall_seconds: wall, sps: (trainer.host.globalStep - startStep) / wall, adapter: trainer.adapter, finished: trainer.done,
  };
  writeFileAtomic(join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}
