// A training run on disk: config.json, metrics.jsonl (one line per iteration, CleanRL's metric
// names), checkpoint.safetensors (atomic, every few iterations and at the end), summary.json.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { WgrlDevice } from '../gpu/device.js';
import { Trainer, type IterationMetrics } from './trainer.js';
import { perAgentFields, type TrainConfig } from './config.js';
import { bootstrapInterval, iqm } from '../report/stats.js';
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
  /** Called after every iteration (progress display) with agent 0's metrics and every agent's. */
  onIteration?: (m: IterationMetrics, trainer: Trainer, agents: IterationMetrics[]) => void;
  /**
   * Several agents in one pass (src/gpu/agents.ts): each agent's overrides on top of the run's
   * (seeds, a sweep). Ignored on resume: the checkpoint holds the agents.
   */
  agents?: Partial<TrainConfig>[];
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
  /**
   * Several agents in one pass: each agent's result, and its final returns summarised over the
   * agents (rliable's interquartile mean with a 95 % bootstrap interval, mean ± std). The
   * top-level final_mean_return_100 is then the mean over agents, `solved` means all solved,
   * `seed` and `algo` are agent 0's, and steps_to_threshold is per agent (null here).
   */
  agents?: AgentSummary[];
  across_agents?: { n: number; mean: number | null; std: number | null; iqm: number | null; iqm_ci95: [number, number] | null; min: number | null; max: number | null };
}

/** One agent's line of a several-agent run's summary. */
export interface AgentSummary {
  agent: number;
  seed: number;
  /** The agent's own config fields (PER_AGENT_FIELDS and the algorithm's numeric fields). */
  config: Record<string, unknown>;
  final_mean_return_100: number | null;
  steps_to_threshold: number | null;
  solved: boolean;
  success_rate_100?: number | null;
}

/** Throws where a run option does not apply to `agents` agents in one pass. */
export function checkAgentRunOptions(opts: Pick<RunOptions, 'evalEvery'>, agents: number): void {
  if (opts.evalEvery !== undefined && agents > 1) {
    throw new InputError(`--eval-every evaluates one policy; with ${agents} agents, evaluate each after the run with wgrl eval --checkpoint … --agent k`);
  }
}

/** The fields in which agents of one pass may differ, with agent k's values. */
function agentFields(trainer: Trainer, k: number): Record<string, unknown> {
  const c = trainer.configs[k] as unknown as Record<string, unknown>;
  return Object.fromEntries(perAgentFields(...trainer.configs.map((x) => x.algo)).map((f) => [f, c[f]]));
}

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
/** What wgrl writes in a run directory. */
const RUN_FILES = ['config.json', 'metrics.jsonl', 'metrics.csv', 'summary.json', CHECKPOINT_FILE, 'plots'];

export async function runTraining(dev: WgrlDevice, overrides: Partial<TrainConfig>, opts: RunOptions): Promise<RunSummary> {
  const dir = opts.runDir;
  const ckpt = join(dir, CHECKPOINT_FILE);
  const metricsPath = join(dir, 'metrics.jsonl');
  let trainer: Trainer;
  // Per agent: the steps at which the 100-episode mean first reached the task's threshold, and the success target.
  let toThreshold: (number | null)[] = [], toSuccess: (number | null)[] = [];
  const noneYet = () => { toThreshold = trainer.configs.map(() => null); toSuccess = trainer.configs.map(() => null); };
  const agentsGiven = opts.agents ?? [{}];
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
    // Each saved agent keeps its own fields; the resume's flags apply to every agent.
    const own = (config: TrainConfig) => Object.fromEntries(perAgentFields(config.algo).map((f) => [f, (config as unknown as Record<string, unknown>)[f]]));
    // A resume's --algo would give every agent one algorithm: refused by the fixed-field check.
    const agents = meta.agents?.map((a) => ({ ...own(a.config), ...Object.fromEntries(Object.entries(overrides).filter(([f]) => f !== 'seed')) }));
    trainer = new Trainer(dev, { ...meta.config, ...overrides }, opts.env, agents);
    noneYet();
    restoreCheckpoint(trainer, meta, tensors);
    prior = meta.run ?? prior;
    recordConfigChanges(dir, meta.config, trainer, log);
    // Drop metric lines written after the checkpoint (a crash between saves) so the log has each iteration once.
    if (existsSync(metricsPath)) {
      const kept = readMetricLines(metricsPath, log).filter((m) => (m.iteration as number) <= trainer.host.iteration);
      writeFileAtomic(metricsPath, kept.map((m) => JSON.stringify(m) + '\n').join(''));
      const thr = trainer.env.rewardThreshold, target = trainer.env.success?.target;
      for (const m of kept) {
        const k = typeof m.agent === 'number' ? m.agent : 0;
        if (thr !== undefined && toThreshold[k] === null && (m['charts/mean_return_100'] as number) >= thr) toThreshold[k] = m.global_step as number;
        if (target !== undefined && toSuccess[k] === null && (m['charts/success_rate_100'] as number) >= target) toSuccess[k] = m.global_step as number;
        if (typeof m['eval/mean_return'] === 'number') lastEval = m['eval/mean_return'];
      }
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
    checkAgentRunOptions(opts, agentsGiven.length);
    trainer = new Trainer(dev, overrides, opts.env, agentsGiven); // validates the config before anything is written
    noneYet();
    onFile(dir, 'create the run directory', () => mkdirSync(dir, { recursive: true }));
    if (existsSync(metricsPath)) onFile(metricsPath, 'replace', () => rmSync(metricsPath));
    const agentsRecord = trainer.agents > 1 ? { agents: trainer.configs.map((_, k) => agentFields(trainer, k)) } : {};
    writeFileAtomic(join(dir, 'config.json'), JSON.stringify({ ...trainer.config, ...agentsRecord, adapter: trainer.adapter }, null, 2) + '\n');
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
  const K = trainer.agents;
  while (!trainer.done && stopReason === null && (opts.maxIterations === undefined || done < opts.maxIterations)) {
    const ms = await trainer.iterateAgents();
    const m = ms[0];
    done++;
    if (evaluator && trainer.host.iteration % opts.evalEvery! === 0) {
      const r = await evaluator.run(trainer.rollout.normStats, trainer.host.iteration * trainer.env.maxEpisodeSteps);
      const lengths = r.lengths.reduce((a, b) => a + b, 0) / r.lengths.length;
      Object.assign(m, { 'eval/mean_return': r.mean, 'eval/std_return': r.std, 'eval/mean_length': lengths });
      lastEval = r.mean;
    }
    // Several agents: one line per agent per iteration, with its index and seed.
    const lines = ms.map((x, k) => JSON.stringify(K > 1 ? { agent: k, seed: trainer.configs[k].seed, ...x } : x) + '\n').join('');
    onFile(metricsPath, 'append to', () => appendFileSync(metricsPath, lines));
    const episodesOk = (k: number) => trainer.hosts[k].recentReturns.length >= 100;
    ms.forEach((x, k) => {
      if (successTarget !== null && toSuccess[k] === null && episodesOk(k) && (x['charts/success_rate_100'] ?? 0) >= successTarget) toSuccess[k] = x.global_step;
      if (threshold !== null && toThreshold[k] === null && episodesOk(k) && (x['charts/mean_return_100'] ?? -Infinity) >= threshold) toThreshold[k] = x.global_step;
    });
    opts.onIteration?.(m, trainer, ms);
    // With several agents, the target is met when every agent has met it.
    if (opts.targetReturn !== undefined && ms.every((x, k) => episodesOk(k) && (x['charts/mean_return_100'] ?? -Infinity) >= opts.targetReturn!)) stopReason = 'target-return';
    else if (opts.maxIterations !== undefined && done >= opts.maxIterations) stopReason = 'max-iterations';
    stopReason = opts.stopRequested?.() ?? stopReason;
    if (trainer.done || trainer.host.iteration % every === 0) await save();
  }
  if (!trainer.done) await save();
  evaluator?.destroy();
  const wall = record().wallSeconds;
  const finals = trainer.configs.map((_, k) => trainer.meanReturn100Of(k));
  const solvedOf = (k: number) => threshold !== null && finals[k] !== null && finals[k]! >= threshold;
  const known = finals.filter((x): x is number => x !== null);
  const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const final = K > 1 ? meanOf(known) : finals[0];
  const success = trainer.env.success;
  const summary: RunSummary = {
    env: trainer.env.id, algo: trainer.config.algo, seed: trainer.config.seed, global_step: trainer.host.globalStep,
    iterations: trainer.host.iteration, final_mean_return_100: final, steps_to_threshold: K > 1 ? null : toThreshold[0],
    reward_threshold: threshold, solved: trainer.configs.every((_, k) => solvedOf(k)),
    wall_seconds: wall, sps: K * trainer.host.globalStep / wall, segments: record().segments, adapter: trainer.adapter, finished: trainer.done,
    last_eval_mean_return: lastEval,
    ...(success && K === 1 ? {
      success: {
        name: success.name, rate_100: trainer.successRate100, target: success.target, steps_to_target: toSuccess[0],
        reached: (trainer.successRate100 ?? 0) >= success.target,
      },
    } : {}),
    stop_reason: trainer.done ? null : stopReason ?? 'max-iterations',
    ...(K > 1 ? {
      agents: trainer.configs.map((ck, k) => ({
        agent: k, seed: ck.seed, config: agentFields(trainer, k), final_mean_return_100: finals[k], steps_to_threshold: toThreshold[k], solved: solvedOf(k),
        ...(success ? { success_rate_100: trainer.successRate100Of(k) } : {}),
      })),
      across_agents: {
        n: known.length, mean: meanOf(known),
        std: known.length > 1 ? Math.sqrt(known.reduce((a, x) => a + (x - meanOf(known)!) ** 2, 0) / (known.length - 1)) : null,
        iqm: known.length ? iqm(known) : null, iqm_ci95: known.length > 1 ? bootstrapInterval(known, iqm) : null,
        min: known.length ? Math.min(...known) : null, max: known.length ? Math.max(...known) : null,
      },
    } : {}),
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
