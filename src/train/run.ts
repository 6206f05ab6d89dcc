// A training run on disk: config.json, metrics.jsonl (one line per iteration, CleanRL's metric
// names), checkpoint.safetensors (atomic, every few iterations and at the end), summary.json.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WgrlDevice } from '../gpu/device.js';
import { Trainer, type IterationMetrics } from './trainer.js';
import type { TrainConfig } from './config.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint, writeFileAtomic, type RunRecord } from './checkpoint.js';
import type { EnvSpec } from '../envs/spec.js';
import { InputError, onFile } from '../errors.js';
import { metricsToCsv, parseMetricLines } from '../report/csv.js';
import { PolicyEvaluator } from './evaluate.js';

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
  /** Stop once the mean return of the last 100 episodes reaches this (checked once 100 episodes have ended). */
  targetReturn?: number;
  /** Polled after every iteration; a reason ('SIGINT') stops the run there, saved and resumable. */
  stopRequested?: () => string | null;
  /** Evaluate the policy every this many iterations, deterministically, on fresh environments (SB3's EvalCallback). */
  evalEvery?: number;
  /** Episodes per evaluation (default 10). */
  evalEpisodes?: number;
  /** Also keep metrics.csv beside metrics.jsonl (rewritten at every checkpoint and at the end). */
  csv?: boolean;
  /** Where notices go (a torn metrics line dropped, a run restarted); default stderr. */
  log?: (message: string) => void;
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
  /** Tasks scored by success (EnvSpec.success): its name, the final rate over the last 100 episodes, the target, and the steps at which the rate first reached it. */
  success?: { name: string; rate_100: number | null; target: number; steps_to_target: number | null; reached: boolean };
  /** Wall seconds of all segments of the run (a resumed run adds its earlier ones). */
  wall_seconds: number;
  /** Environment steps over wall_seconds. */
  sps: number;
  /** Processes that trained this run: 1, plus one per resume. */
  segments: number;
  adapter: string;
  finished: boolean;
  /** Mean return of the last deterministic evaluation (--eval-every), or null. */
  last_eval_mean_return: number | null;
  /** Why an unfinished run stopped: 'target-return', a signal's name, or 'max-iterations'; null when finished. */
  stop_reason: string | null;
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** What wgrl writes in a run directory. */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'metrics.csv', 'summary.json', CHECKPOINT_FILE, 'plots'];

export async function runTraining(dev: WgrlDevice, overrides: Partial<TrainConfig>, opts: RunOptions): Promise<RunSummary> {
  const dir = opts.runDir;
  const ckpt = join(dir, CHECKPOINT_FILE);
  const metricsPath = join(dir, 'metrics.jsonl');
  let trainer: Trainer;
  let stepsToThreshold: number | null = null;
  let stepsToSuccess: number | null = null;
  let prior: RunRecord = { wallSeconds: 0, segments: 0 };
  const log = opts.log ?? ((msg: string) => console.error(`wgrl: ${msg}`));
  if (opts.targetReturn !== undefined && !Number.isFinite(opts.targetReturn)) throw new InputError(`--target-return must be a finite number, got ${opts.targetReturn}`);
  for (const [flag, v] of [['--eval-every', opts.evalEvery], ['--eval-episodes', opts.evalEpisodes]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new InputError(`${flag} expects an integer >= 1, got ${v}`);
  }
  if (opts.evalEpisodes !== undefined && opts.evalEvery === undefined) throw new InputError('--eval-episodes needs --eval-every N (iterations between evaluations); without it nothing is evaluated');
  let lastEval: number | null = null;
  if (opts.resume) {
    if (!existsSync(ckpt)) {
      throw new InputError(`cannot resume ${dir}: it holds no ${CHECKPOINT_FILE}` +
        (existsSync(dir) ? ' (the run stopped before its first checkpoint); run again without --resume to start it over' : ' (no such run directory); check --run-dir'));
    }
    const { meta, tensors } = readCheckpoint(ckpt);
    trainer = new Trainer(dev, { ...meta.config, ...overrides }, opts.env);
    restoreCheckpoint(trainer, meta, tensors);
    prior = meta.run ?? prior;
    recordConfigChanges(dir, meta.config, trainer, log);
    // Drop metric lines written after the checkpoint (a crash between saves) so the log has each iteration once.
    if (existsSync(metricsPath)) {
      const kept = readMetricLines(metricsPath, log).filter((m) => (m.iteration as number) <= trainer.host.iteration);
      writeFileAtomic(metricsPath, kept.map((m) => JSON.stringify(m) + '\n').join(''));
      const thr = trainer.env.rewardThreshold;
      if (thr !== undefined) for (const m of kept) if (stepsToThreshold === null && (m['charts/mean_return_100'] as number) >= thr) stepsToThreshold = m.global_step as number;
      for (const m of kept) if (typeof m['eval/mean_return'] === 'number') lastEval = m['eval/mean_return'];
      const target = trainer.env.success?.target;
      if (target !== undefined) for (const m of kept) if (stepsToSuccess === null && (m['charts/success_rate_100'] as number) >= target) stepsToSuccess = m.global_step as number;
    }
  } else {
    if (existsSync(dir)) {
      // A directory without a checkpoint is a run that stopped before saving anything it could
      // resume from; starting it over loses nothing. One with a checkpoint is never overwritten.
      if (!onFile(dir, 'use the run directory', () => statSync(dir).isDirectory())) throw new InputError(`--run-dir ${dir} is a file, not a directory; choose another --run-dir`);
      const entries = onFile(dir, 'list the run directory', () => readdirSync(dir));
      const onlyRunFiles = entries.includes('config.json') && entries.every((f) => RUN_FILES.includes(f) || f.includes('.tmp-'));
      if (existsSync(ckpt) || !onlyRunFiles) throw new InputError(`run directory ${dir} already exists; pass --resume to continue it, or choose another --run-dir (nothing was overwritten)`);
      log(`${dir} holds no checkpoint (its run stopped before saving one); starting it over`);
    }
    trainer = new Trainer(dev, overrides, opts.env); // validates the config before anything is written
    onFile(dir, 'create the run directory', () => mkdirSync(dir, { recursive: true }));
    if (existsSync(metricsPath)) onFile(metricsPath, 'replace', () => rmSync(metricsPath));
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify({ ...trainer.config, adapter: trainer.adapter }, null, 2) + '\n');
    // Iteration 0 is saved at once, so a run stopped at any point (diverged at iteration 1,
    // interrupted before --checkpoint-every) can be resumed.
    await saveCheckpoint(trainer, ckpt, prior);
  }
  const summaryPath = join(dir, 'summary.json');
  if (opts.resume && trainer.done && existsSync(summaryPath)) {
    log(`${dir} is already complete (${trainer.host.globalStep} steps, ${trainer.host.iteration} iterations); nothing to do (raise --total-timesteps to train further)`);
    return JSON.parse(onFile(summaryPath, 'read', () => readFileSync(summaryPath, 'utf8'))) as RunSummary;
  }
  const every = opts.checkpointEvery ?? 10;
  const csvPath = join(dir, 'metrics.csv');
  // The CSV is derived from the JSONL whenever the state is saved, so after a crash and resume
  // it never holds iterations the checkpoint does not.
  const save = async () => {
    await saveCheckpoint(trainer, ckpt, record());
    if (opts.csv) writeFileAtomic(csvPath, metricsToCsv(readMetricLines(metricsPath, log)));
  };
  const threshold = trainer.env.rewardThreshold ?? null;
  const successTarget = trainer.env.success?.target ?? null;
  const t0 = performance.now();
  // Wall time and SPS in the summary cover every segment of a resumed run.
  const record = (): RunRecord => ({ wallSeconds: prior.wallSeconds + (performance.now() - t0) / 1000, segments: prior.segments + 1 });
  // Its own environments and random stream (seed + 1000, as wgrl eval), reading the trainer's
  // parameters: evaluating never changes what is trained, so resumed runs stay identical.
  const evaluator = opts.evalEvery === undefined ? null
    : new PolicyEvaluator(dev, trainer.env, trainer.config, trainer.params, opts.evalEpisodes ?? 10, trainer.config.seed + 1000, true);
  let done = 0;
  let stopReason: string | null = null;
  while (!trainer.done && stopReason === null && (opts.maxIterations === undefined || done < opts.maxIterations)) {
    const m = await trainer.iterate();
    done++;
    if (evaluator && trainer.host.iteration % opts.evalEvery! === 0) {
      const r = await evaluator.run(trainer.rollout.normStats, trainer.host.iteration * trainer.env.maxEpisodeSteps);
      const lengths = r.lengths.reduce((a, b) => a + b, 0) / r.lengths.length;
      Object.assign(m, { 'eval/mean_return': r.mean, 'eval/std_return': r.std, 'eval/mean_length': lengths });
      lastEval = r.mean;
    }
    onFile(metricsPath, 'append to', () => appendFileSync(metricsPath, JSON.stringify(m) + '\n'));
    if (successTarget !== null && stepsToSuccess === null && trainer.host.recentReturns.length >= 100 && (m['charts/success_rate_100'] ?? 0) >= successTarget) {
      stepsToSuccess = m.global_step;
    }
    if (threshold !== null && stepsToThreshold === null && (m['charts/mean_return_100'] ?? -Infinity) >= threshold && trainer.host.recentReturns.length >= 100) {
      stepsToThreshold = m.global_step;
    }
    opts.onIteration?.(m, trainer);
    if (opts.targetReturn !== undefined && trainer.host.recentReturns.length >= 100 && (m['charts/mean_return_100'] ?? -Infinity) >= opts.targetReturn) stopReason = 'target-return';
    else if (opts.maxIterations !== undefined && done >= opts.maxIterations) stopReason = 'max-iterations';
    stopReason = opts.stopRequested?.() ?? stopReason;
    if (trainer.done || trainer.host.iteration % every === 0) await save();
  }
  if (!trainer.done) await save();
  evaluator?.destroy();
  const wall = record().wallSeconds;
  const final = trainer.meanReturn100;
  const summary: RunSummary = {
    env: trainer.env.id, algo: trainer.config.algo, seed: trainer.config.seed, global_step: trainer.host.globalStep,
    iterations: trainer.host.iteration, final_mean_return_100: final, steps_to_threshold: stepsToThreshold,
    reward_threshold: threshold, solved: threshold !== null && final !== null && final >= threshold,
    wall_seconds: wall, sps: trainer.host.globalStep / wall, segments: record().segments, adapter: trainer.adapter, finished: trainer.done,
    last_eval_mean_return: lastEval,
    ...(trainer.env.success ? {
      success: {
        name: trainer.env.success.name, rate_100: trainer.successRate100, target: trainer.env.success.target, steps_to_target: stepsToSuccess,
        reached: (trainer.successRate100 ?? 0) >= trainer.env.success.target,
      },
    } : {}),
    stop_reason: trainer.done ? null : stopReason ?? 'max-iterations',
  };
  writeFileAtomic(summaryPath, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** The records of a metrics.jsonl file (parseMetricLines: a torn last line is dropped with a notice). */
export function readMetricLines(path: string, log: (message: string) => void): Record<string, unknown>[] {
  return parseMetricLines(onFile(path, 'read', () => readFileSync(path, 'utf8')), path, 'the file was altered: fix or delete that line, then resume', log);
}

/** One resume's changes of hyperparameters, as config.json keeps them. */
export interface ConfigChange { iteration: number; field: string; from: unknown; to: unknown }

/**
 * A resume may change what the saved state does not depend on (learning rate, epochs,
 * total steps…). config.json then holds the config in force and every change with the
 * iteration it took effect at, so the files never disagree with what was trained.
 */
function recordConfigChanges(dir: string, saved: TrainConfig, trainer: Trainer, log: (message: string) => void): void {
  const changes: ConfigChange[] = [];
  for (const [field, to] of Object.entries(trainer.config)) {
    const from = (saved as unknown as Record<string, unknown>)[field];
    if (JSON.stringify(from) !== JSON.stringify(to)) changes.push({ iteration: trainer.host.iteration, field, from, to });
  }
  if (!changes.length) return;
  log(`resuming with changed ${changes.map((c) => `${c.field} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(', ')} from iteration ${trainer.host.iteration}; recorded in config.json`);
  const path = join(dir, 'config.json');
  const previous = existsSync(path) ? (JSON.parse(onFile(path, 'read', () => readFileSync(path, 'utf8'))) as { changes?: ConfigChange[] }).changes ?? [] : [];
  writeFileAtomic(path, JSON.stringify({ ...trainer.config, adapter: trainer.adapter, changes: [...previous, ...changes] }, null, 2) + '\n');
}
