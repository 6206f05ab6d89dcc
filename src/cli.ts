#!/usr/bin/env node
// wgrl train | eval: the command-line face of the trainer.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createNodeDevice, checkAdapterChoice } from './gpu/node.js';
import { GpuError, adapterName } from './gpu/device.js';
import { FIELDS, flagName, fieldDoc, parseField, ConfigError, DISCRETE_DEFAULTS, makeConfig, checkAgentConfigs, type TrainConfig } from './train/config.js';
import { ENV_IDS, getEnv } from './envs/spec.js';
import { runTraining, checkAgentRunOptions, CHECKPOINT_FILE } from './train/run.js';
import { checkManyAgents } from './train/trainer.js';
import { expandAgents, parseSeeds, parseSweep } from './train/sweep.js';
import { evaluateCheckpoint } from './train/evaluate.js';
import type { IterationMetrics, Trainer } from './train/trainer.js';
import { InputError, didYouMean, isMissingPackage } from './errors.js';
import { ALGORITHMS, getAlgorithm } from './algos/registry.js';
import { DEFAULT_METRICS, METRICS } from './report/metrics.js';

const USAGE = `wgrl: reinforcement learning in WebGPU compute shaders

  wgrl train [--env ${DISCRETE_DEFAULTS.env}] [--algo ${DISCRETE_DEFAULTS.algo}] [--seed ${DISCRETE_DEFAULTS.seed}] [options]
  wgrl eval --checkpoint runs/<run>/checkpoint.safetensors [--episodes 10] [--deterministic] [--agent k]
  wgrl plot runs/<run> [runs/<run2> …] [--out DIR] [--metrics return,kl,…]
  wgrl reproduce spo [--quick]    the SPO paper's comparison: figures, IQM table, REPORT.md

environments (--env): ${ENV_IDS.join(', ')}

algorithms (--algo):
${Object.values(ALGORITHMS).map((a) => `  ${a.name.padEnd(22)} ${a.summary}`).join('\n')}

train options (CleanRL's names and defaults):
${(Object.keys(FIELDS) as (keyof TrainConfig)[]).map((k) => `  --${flagName(k).padEnd(22)} ${FIELDS[k].padEnd(8)} default ${JSON.stringify(DISCRETE_DEFAULTS[k]).padEnd(9)} ${fieldDoc(k)}`).join('\n')}
  (continuous-action environments default to ppo_continuous_action.py's values)

run options:
  --run-dir DIR            where config.json, metrics.jsonl, checkpoint.safetensors and summary.json go
                           (default runs/<env>__<algo>__<seed>__<time>, or …__<K>agents__… for several)
  --num-agents K           train K agents in one pass (seeds --seed … --seed + K - 1): one rollout and
                           one update for all of them, each agent exactly what its own run would give
  --seeds 1,2,3 | 1-16     the agents' seeds (instead of --num-agents)
  --sweep 'A=x,y;B=z'      a grid of per-agent hyperparameters, every point with every seed, e.g.
                           'learning-rate=1e-3,2.5e-4;clip-coef=0.1,0.2', or a .json file {"learning-rate": […]};
                           the keys: learning-rate, clip-coef, ent-coef, vf-coef, gamma, gae-lambda,
                           anneal-lr, the algorithm's own numbers, and algo (ppo, ppo-kl, spo and spo-kl
                           share one pass, each agent its own objective)
                           several agents: metrics.jsonl lines carry "agent" and "seed"; summary.json
                           lists every agent with the IQM of the final returns; one checkpoint holds all
  --resume                 continue the run in --run-dir from its checkpoint
  --checkpoint-every N     iterations between checkpoints (default 10)
  --target-return R        stop once the mean return of the last 100 episodes reaches R (several agents: every agent's)
  --eval-every N           every N iterations, evaluate the greedy policy on fresh environments and log
                           eval/mean_return, eval/std_return, eval/mean_length (SB3's EvalCallback)
  --eval-episodes E        episodes per evaluation (default 10; needs --eval-every)
  --csv                    also write metrics.csv beside metrics.jsonl (for spreadsheets)
  --plot                   write the run's figures and report.html into <run-dir>/plots when it ends
                           (Ctrl-C / SIGTERM stop after the current iteration, saved and resumable)
  --adapter auto|swiftshader|hardware
  --gpu-timeout S          fail, instead of hanging, when one wait for the GPU exceeds S seconds
                           (default 300; 0: no limit); a WGSL environment that never returns hangs the GPU
  --quiet                  no progress line

booleans: --anneal-lr, --no-anneal-lr, --anneal-lr False (CleanRL's spelling), --anneal-lr=0
  wgrl --version           the installed version
`;

/** Words of `text` in lines of at most 100 columns, each indented by `indent` spaces. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent + line.length + 1 + word.length > 100) { lines.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.map((l) => ' '.repeat(indent) + l).join('\n');
}

const PLOT_USAGE = `wgrl plot: learning curves of one or more runs, as SVG, PNG and one HTML report

  wgrl plot RUN_DIR [RUN_DIR …] [options]

  RUN_DIR                  a folder written by wgrl train (holds metrics.jsonl); runs of one
                           environment share each figure, labelled by algorithm and seed
  --out DIR                where the files go (default RUN_DIR/plots for one run, plots/ for several)
  --metrics A,B,…          which curves; default, where logged:
${wrap(DEFAULT_METRICS.join(', '), 27)}
                           short names:
${wrap(Object.keys(METRICS).join(', '), 27)}
                           or any logged field by its full name (losses/grad_norm)
  --smoothing W            weight of the moving average over the raw curve, in [0, 1) (default 0.9; 0: raw only)
  --format svg,png,html    which files to write (default all three)
`;

const REPRODUCE_USAGE = `wgrl reproduce spo: the SPO paper's comparison on wgrl's environments

  wgrl reproduce spo [--quick] [--out DIR]

  PPO, SPO, SPO-KL and PPO-KL, 5 seeds each, with a 64-64 actor and a 7-layer one. Writes
  figures (mean return and per-state KL against steps: median over seeds, 25–75 % band; SVG
  and PNG), results.json, raw/ (every run's metrics) and REPORT.md: final returns as IQM with
  a 95 % bootstrap interval, whether SPO's KL stayed bounded where PPO's grew, and whether the
  deep actor hurt PPO more than SPO. Runs already complete in DIR are not run again.

  --quick                  CartPole-v1 and Pendulum-v1, short budgets (about 5 minutes on SwiftShader, 2 cores)
                           (default: the full preset, CartPole-v1, Acrobot-v1 500k, Pendulum-v1 1M steps; meant for a GPU)
  --out DIR                the output folder (default reproduce-spo-quick or reproduce-spo)
  --adapter auto|swiftshader|hardware
  --gpu-timeout S          fail when one wait for the GPU exceeds S seconds (default 300; 0: no limit)
`;

const EVAL_USAGE = `wgrl eval: mean return of a saved policy

  wgrl eval --checkpoint runs/<run>/checkpoint.safetensors [options]

  --checkpoint PATH        a checkpoint.safetensors written by wgrl train (required)
  --episodes N             episodes to run (default 10)
  --deterministic          the greedy action (mode) instead of sampling
  --seed N                 seed for the environments and sampling (default: the run's seed + 1000)
  --agent k                which agent of a several-agent run (default 0)
  --adapter auto|swiftshader|hardware
  --gpu-timeout S          fail when one wait for the GPU exceeds S seconds (default 300; 0: no limit)
  --json                   one JSON line instead of text
`;

function fmt(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(1)}k`;
  return x.toFixed(digits);
}

/** A return: 1 decimal, or 3 for returns below 10 in size (SortDigits pays 0 … 1). */
const fmtReturn = (x: number | null | undefined) => fmt(x, x !== null && x !== undefined && Math.abs(x) < 10 ? 3 : 1);

/** Seconds as m:ss or h:mm:ss. */
function clock(seconds: number): string {
  const t = Math.round(seconds), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const two = (x: number) => String(x).padStart(2, '0');
  return h ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

function progress(total: number, quiet: boolean, startedMs: number) {
  const tty = process.stderr.isTTY;
  let last = 0;
  // The first report's time and step: the ETA's rate is measured from there, leaving out
  // setup (pipeline compiles); elapsed time counts from this process's start, setup included.
  let first: { ms: number; step: number } | null = null;
  let lastEval: number | null = null;
  return (m: IterationMetrics, trainer: Trainer, all: IterationMetrics[] = [m]) => {
    if (quiet) return;
    // Several agents: the return shown is the mean over agents of their 100-episode means.
    const returns = all.map((x) => x['charts/mean_return_100']).filter((x): x is number => x !== null);
    const shownReturn = all.length > 1 ? (returns.length ? returns.reduce((a, b) => a + b, 0) / returns.length : null) : m['charts/mean_return_100'];
    const now = performance.now();
    first ??= { ms: now, step: m.global_step };
    const frac = m.global_step / total;
    const elapsed = (now - startedMs) / 1000;
    const rate = m.global_step > first.step ? (m.global_step - first.step) / ((now - first.ms) / 1000) : m['charts/SPS'];
    const eta = trainer.done ? 0 : (total - m.global_step) / rate;
    if (m['eval/mean_return'] !== undefined) lastEval = m['eval/mean_return'];
    const width = 24, filled = Math.round(frac * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}% ${fmt(m.global_step, 0)}/${fmt(total, 0)} steps | ` +
      `${clock(elapsed)} elapsed, ETA ${clock(eta)} | ` +
      `${fmt(m['charts/SPS'], 0)} SPS${all.length > 1 ? ` × ${all.length} agents` : ''} | return(100)${all.length > 1 ? ' mean over agents' : ''} ${fmtReturn(shownReturn)} | KL ${m['charts/average_kld'].toExponential(1)}` +
      (lastEval !== null ? ` | eval ${fmt(lastEval)}` : '');
    if (tty) process.stderr.write(`\r${line}   `);
    else if (performance.now() - last > 5000 || trainer.done) { process.stderr.write(line + '\n'); last = performance.now(); }
  };
}

type Options = Record<string, { type: 'string' | 'boolean' }>;

/** Exit statuses of a run stopped by a signal, as shells report them (128 + signal number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * CleanRL-style booleans for config fields: `--anneal-lr` alone means true, `--no-anneal-lr`
 * false, and `--anneal-lr False` / `=false` / `0` are read by parseField.
 */
function expandBooleanFlags(argv: string[]): string[] {
  const booleans = new Set(Object.keys(FIELDS).filter((k) => FIELDS[k as keyof TrainConfig] === 'boolean').map(flagName));
  const literal = /^(true|false|1|0|yes|no)$/i;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    if (name !== null && name.startsWith('no-') && booleans.has(name.slice(3))) out.push(`--${name.slice(3)}=false`);
    else if (name !== null && booleans.has(name) && !(i + 1 < argv.length && literal.test(argv[i + 1]))) out.push(`--${name}=true`);
    else out.push(a);
  }
  return out;
}

/** parseArgs, with an unknown flag named together with the nearest known one. */
function parseFlags(command: string, argv: string[], options: Options) {
  return parseWithPositionals(command, argv, options, false).values;
}

function parseWithPositionals(command: string, argv: string[], options: Options, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const err = e as Error & { code?: string };
    const unknown = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'(-{1,2}[^']+)'/.exec(err.message)?.[1] : undefined;
    if (unknown) {
      const flags = Object.keys(options).map((o) => `--${o}`);
      throw new ConfigError(`unknown option ${unknown} for wgrl ${command}${didYouMean(unknown.split('=')[0], flags)}; see wgrl ${command} --help`);
    }
    if (err.code?.startsWith('ERR_PARSE_ARGS')) throw new ConfigError(`${err.message.split('\n')[0]}; see wgrl ${command} --help`);
    throw e;
  }
}

/** An integer option ≥ min (or its default when absent), with an error naming the flag. */
function intOption(flag: string, raw: string | boolean | undefined, fallback: number | undefined, min: number): number | undefined {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(v) || v < min) {
    throw new ConfigError(`${flag} expects an integer >= ${min}, got '${raw}'`);
  }
  return v;
}

/** A number of seconds >= 0, or undefined when the flag is absent. */
function secondsOption(flag: string, raw: string | boolean | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || v < 0) throw new ConfigError(`${flag} expects a number of seconds >= 0 (0: no limit), got '${raw}'`);
  return v;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function train(argv: string[]): Promise<number> {
  const options: Options = {
    'run-dir': { type: 'string' }, resume: { type: 'boolean' }, 'checkpoint-every': { type: 'string' },
    adapter: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' }, 'target-return': { type: 'string' },
    csv: { type: 'boolean' }, plot: { type: 'boolean' }, 'eval-every': { type: 'string' }, 'eval-episodes': { type: 'string' }, 'gpu-timeout': { type: 'string' },
    'num-agents': { type: 'string' }, seeds: { type: 'string' }, sweep: { type: 'string' },
  };
  for (const k of Object.keys(FIELDS)) options[flagName(k)] = { type: 'string' };
  const values = parseFlags('train', expandBooleanFlags(argv), options);
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const overrides: Partial<TrainConfig> = {};
  for (const k of Object.keys(FIELDS) as (keyof TrainConfig)[]) {
    const v = values[flagName(k)];
    if (typeof v === 'string') (overrides as Record<string, unknown>)[k] = parseField(k, v);
  }
  const env = overrides.env ?? DISCRETE_DEFAULTS.env, algo = overrides.algo ?? DISCRETE_DEFAULTS.algo, seed = overrides.seed ?? DISCRETE_DEFAULTS.seed;
  const resume = !!values.resume;
  const severalGiven = ['num-agents', 'seeds', 'sweep'].filter((f) => values[f] !== undefined);
  if (resume && severalGiven.length) throw new ConfigError(`--${severalGiven[0]} cannot be given on --resume: the checkpoint holds the run's agents`);
  if (values.seeds !== undefined && overrides.seed !== undefined) throw new ConfigError('--seed and --seeds both given; keep one (--seeds sets every agent\'s seed)');
  const agents = expandAgents({
    numAgents: intOption('--num-agents', values['num-agents'], undefined, 1),
    seeds: typeof values.seeds === 'string' ? parseSeeds(values.seeds) : undefined,
    sweep: typeof values.sweep === 'string' ? parseSweep(values.sweep, algo) : undefined,
    baseSeed: seed,
  });
  const who = agents.length > 1 ? `${agents.length}agents` : String(agents[0].seed ?? seed);
  const runDir = (values['run-dir'] as string | undefined) ?? (resume ? undefined : join('runs', `${env}__${algo}__${who}__${new Date().toISOString().replace(/[:.]/g, '-')}`));
  if (!runDir) throw new ConfigError('--resume needs --run-dir pointing at the run to continue');
  const every = intOption('--checkpoint-every', values['checkpoint-every'], 10, 1)!;
  const evalEvery = intOption('--eval-every', values['eval-every'], undefined, 1);
  const evalEpisodes = intOption('--eval-episodes', values['eval-episodes'], undefined, 1);
  if (evalEpisodes !== undefined && evalEvery === undefined) throw new ConfigError('--eval-episodes needs --eval-every N (iterations between evaluations); without it nothing is evaluated');
  const targetRaw = values['target-return'] as string | undefined;
  const targetReturn = targetRaw === undefined ? undefined : Number(targetRaw);
  if (targetRaw !== undefined && (targetRaw.trim() === '' || !Number.isFinite(targetReturn))) throw new ConfigError(`--target-return expects a finite number, got '${targetRaw}'`);
  // Everything the user typed is checked before the adapter starts (resumed runs take the
  // rest of their config from the checkpoint, which runTraining checks).
  const adapter = checkAdapterChoice(values.adapter as string | undefined, process.env.WGRL_ADAPTER);
  if (!resume) {
    const configs = agents.map((a) => makeConfig({ ...overrides, ...a, env }, getEnv(env).action.type === 'continuous', getEnv(env)));
    checkAgentConfigs(configs);
    for (const c of configs) checkManyAgents(getAlgorithm(c.algo), agents.length);
    checkAgentRunOptions({ evalEvery }, agents.length);
  }
  const gpuTimeoutSeconds = secondsOption('--gpu-timeout', values['gpu-timeout']);
  // --plot's libraries are optional: a missing one is named now, not after the run.
  const plotting = values.plot ? await loadPlotting() : null;
  const dev = await createNodeDevice({ adapter, gpuTimeoutSeconds });
  let onProgress: ReturnType<typeof progress> | null = null;
  const startedMs = performance.now();
  // SIGINT/SIGTERM: finish the iteration in flight, save, write the summary, say how to resume.
  // A second signal exits at once; the last checkpoint is intact (writes are atomic).
  let signal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) process.exit(SIGNAL_EXIT[s]);
    signal = s;
    process.stderr.write(`\nwgrl: ${s}: stopping after this iteration and saving (again to quit at once)\n`);
  };
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.on(s, onSignal);
  const summary = await runTraining(dev, overrides, {
    runDir, resume, checkpointEvery: every, targetReturn, stopRequested: () => signal, csv: !!values.csv, evalEvery, evalEpisodes,
    agents: resume ? undefined : agents,
    onIteration: (m, t, all) => {
      onProgress ??= progress(t.numIterations * t.batchSize, !!values.quiet, startedMs);
      onProgress(m, t, all);
    },
  });
  if (process.stderr.isTTY && !values.quiet) process.stderr.write('\n');
  const thr = summary.reward_threshold;
  if (summary.agents && summary.across_agents) {
    const a = summary.across_agents, ci = a.iqm_ci95, list = summary.agents;
    // The fields the agents differ in besides the seed (a sweep's), shown per agent.
    const varied = Object.keys(list[0].config).filter((k) => k !== 'seed' && new Set(list.map((g) => JSON.stringify(g.config[k]))).size > 1);
    const algos = [...new Set(list.map((g) => String(g.config.algo ?? summary.algo)))].join(', ');
    console.log(`wgrl: ${summary.env} ${algos}, ${list.length} agents in one pass: ${summary.global_step} steps each in ${summary.wall_seconds.toFixed(1)} s ` +
      `(${summary.sps.toFixed(0)} agent-steps/s) on ${summary.adapter}`);
    for (const g of list) {
      const own = varied.map((k) => ` ${flagName(k)} ${g.config[k]}`).join('');
      console.log(`wgrl:   agent ${g.agent} (seed ${g.seed}${own}): return(100) ${fmtReturn(g.final_mean_return_100)}` +
        (thr !== null ? `${g.solved ? ', solved' : ''}${g.steps_to_threshold !== null ? ` (first at ${g.steps_to_threshold} steps)` : ''}` : ''));
    }
    console.log(`wgrl: final return(100) over agents: IQM ${fmtReturn(a.iqm)}${ci ? ` [95 % CI ${fmtReturn(ci[0])}, ${fmtReturn(ci[1])}]` : ''}, ` +
      `mean ${fmtReturn(a.mean)} ± ${fmtReturn(a.std)} (std), min ${fmtReturn(a.min)}, max ${fmtReturn(a.max)}` + (thr !== null ? `; ${summary.agents.filter((g) => g.solved).length}/${summary.agents.length} solved` : ''));
  } else {
    console.log(`wgrl: ${summary.env} ${summary.algo} seed ${summary.seed}: ${summary.global_step} steps in ${summary.wall_seconds.toFixed(1)} s ` +
      `(${summary.sps.toFixed(0)} SPS) on ${summary.adapter}`);
    console.log(`wgrl: mean return over the last 100 episodes: ${fmtReturn(summary.final_mean_return_100)}` +
      (thr !== null ? ` (threshold ${thr}: ${summary.solved ? 'solved' : 'not solved'}${summary.steps_to_threshold !== null ? `, first reached at ${summary.steps_to_threshold} steps` : ''})` : ''));
  }
  if (summary.success) {
    const sr = summary.success;
    console.log(`wgrl: ${sr.name} over the last 100 episodes: ${fmt(sr.rate_100, 3)} (target ${sr.target}: ${sr.reached ? 'reached' : 'not reached'}` +
      `${sr.steps_to_target !== null ? `, first reached at ${sr.steps_to_target} steps` : ''})`);
  }
  if (summary.last_eval_mean_return !== null) console.log(`wgrl: last deterministic evaluation: mean return ${fmt(summary.last_eval_mean_return, 1)}`);
  console.log(`wgrl: metrics ${join(runDir, 'metrics.jsonl')}, checkpoint ${join(runDir, CHECKPOINT_FILE)}, summary ${join(runDir, 'summary.json')}`);
  if (summary.stop_reason === 'target-return') console.log(`wgrl: stopped at the target return ${targetReturn}`);
  if (plotting) {
    const out = join(runDir, 'plots');
    await plotting.plotRuns([runDir], { out, log: (msg) => console.error(`wgrl: ${msg}`) });
    console.log(`wgrl: figures and report ${join(out, 'report.html')}`);
  }
  if (signal) console.log(`wgrl: stopped by ${signal} at ${summary.global_step} steps; continue with: wgrl train --run-dir ${runDir} --resume`);
  dev.destroy();
  return signal ? SIGNAL_EXIT[signal as 'SIGINT' | 'SIGTERM'] : 0;
}

async function evaluate(argv: string[]): Promise<number> {
  const values = parseFlags('eval', argv, {
    checkpoint: { type: 'string' }, episodes: { type: 'string' }, deterministic: { type: 'boolean' }, seed: { type: 'string' },
    adapter: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' }, 'gpu-timeout': { type: 'string' }, agent: { type: 'string' },
  });
  if (values.help) { process.stdout.write(EVAL_USAGE); return 0; }
  const agent = intOption('--agent', values.agent, 0, 0)!;
  if (!values.checkpoint) throw new ConfigError('eval needs --checkpoint PATH (a checkpoint.safetensors written by wgrl train)');
  const episodes = intOption('--episodes', values.episodes, 10, 1)!;
  const seed = intOption('--seed', values.seed, undefined, 0);
  if (seed !== undefined && seed > 0xffffffff) throw new ConfigError(`--seed must fit in 32 bits, got ${seed}`);
  const adapter = checkAdapterChoice(values.adapter as string | undefined, process.env.WGRL_ADAPTER);
  const gpuTimeoutSeconds = secondsOption('--gpu-timeout', values['gpu-timeout']);
  const dev = await createNodeDevice({ adapter, gpuTimeoutSeconds });
  const r = await evaluateCheckpoint(dev, values.checkpoint as string, { episodes, deterministic: values.deterministic as boolean | undefined, seed, agent });
  if (values.json) console.log(JSON.stringify({ ...r, adapter: adapterName(dev.adapter) }));
  else console.log(`wgrl eval${r.agents > 1 ? ` agent ${r.agent} of ${r.agents}` : ''}: ${r.episodes} episodes (${r.deterministic ? 'deterministic' : 'sampled'}): mean return ${r.mean.toFixed(2)} ± ${r.std.toFixed(2)}, min ${Math.min(...r.returns).toFixed(1)}, max ${Math.max(...r.returns).toFixed(1)}`);
  dev.destroy();
  return 0;
}

/** The plotting module; its libraries are optional peer dependencies, named when missing. */
async function loadPlotting(): Promise<typeof import('./report/plot.js')> {
  try {
    return await import('./report/plot.js');
  } catch (e) {
    const missing = ['vega', 'vega-lite', '@resvg/resvg-js'].filter((p) => isMissingPackage(e, p));
    if (missing.length) throw new ConfigError(`wgrl plot needs vega, vega-lite and @resvg/resvg-js; '${missing[0]}' is not installed: run npm install vega vega-lite @resvg/resvg-js`);
    throw e;
  }
}

async function plot(argv: string[]): Promise<number> {
  const options: Options = { out: { type: 'string' }, metrics: { type: 'string' }, smoothing: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean' } };
  const { values, positionals } = parseWithPositionals('plot', argv, options, true);
  if (values.help) { process.stdout.write(PLOT_USAGE); return 0; }
  if (!positionals.length) throw new ConfigError('wgrl plot needs at least one run directory (a folder written by wgrl train); see wgrl plot --help');
  const list = (raw: string | boolean | undefined) => (typeof raw === 'string' ? raw.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const formats = list(values.format);
  for (const f of formats ?? []) if (!['svg', 'png', 'html'].includes(f)) throw new ConfigError(`--format: unknown format '${f}'${didYouMean(f, ['svg', 'png', 'html'])}; choose from svg, png, html`);
  const smoothingRaw = values.smoothing as string | undefined;
  const smoothing = smoothingRaw === undefined ? undefined : Number(smoothingRaw);
  if (smoothingRaw !== undefined && (smoothingRaw.trim() === '' || !(smoothing! >= 0 && smoothing! < 1))) throw new ConfigError(`--smoothing expects a number in [0, 1), got '${smoothingRaw}'`);
  const out = (values.out as string | undefined) ?? (positionals.length === 1 ? join(positionals[0], 'plots') : 'plots');
  const { plotRuns } = await loadPlotting();
  const r = await plotRuns(positionals, { out, metrics: list(values.metrics), smoothing, formats: formats as ('svg' | 'png' | 'html')[] | undefined, log: (msg) => console.error(`wgrl: ${msg}`) });
  console.log(`wgrl plot: ${r.figures.length} figures of ${positionals.length} run${positionals.length > 1 ? 's' : ''}${r.curves > positionals.length ? ` (${r.curves} agents)` : ''} in ${out}` +
    (r.files.some((f) => f.endsWith('report.html')) ? ` (report: ${join(out, 'report.html')})` : ''));
  return 0;
}

async function reproduce(argv: string[]): Promise<number> {
  const options: Options = { quick: { type: 'boolean' }, out: { type: 'string' }, adapter: { type: 'string' }, 'gpu-timeout': { type: 'string' }, help: { type: 'boolean' } };
  const { values, positionals } = parseWithPositionals('reproduce', argv, options, true);
  if (values.help) { process.stdout.write(REPRODUCE_USAGE); return 0; }
  if (positionals.length !== 1 || positionals[0] !== 'spo') {
    throw new ConfigError(`wgrl reproduce takes one study, spo${positionals.length ? `, got '${positionals.join(' ')}'` : ''}; see wgrl reproduce --help`);
  }
  await loadPlotting(); // names a missing plotting library before any run
  const { reproduceSpo, spoPreset } = await import('./report/reproduce.js');
  const preset = spoPreset(values.quick ? 'quick' : 'full');
  const out = (values.out as string | undefined) ?? (values.quick ? 'reproduce-spo-quick' : 'reproduce-spo');
  const adapter = checkAdapterChoice(values.adapter as string | undefined, process.env.WGRL_ADAPTER);
  const dev = await createNodeDevice({ adapter, gpuTimeoutSeconds: secondsOption('--gpu-timeout', values['gpu-timeout']) });
  const r = await reproduceSpo(dev, { preset, out, log: (msg) => console.error(`wgrl: ${msg}`) });
  console.log(`wgrl reproduce spo: ${r.runs.length} runs; report ${join(out, 'REPORT.md')}, figures and results.json in ${out}`);
  dev.destroy();
  return 0;
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  try {
    if (cmd === 'train') return await train(rest);
    if (cmd === 'eval') return await evaluate(rest);
    if (cmd === 'plot') return await plot(rest);
    if (cmd === 'reproduce') return await reproduce(rest);
    if (cmd === '--version' || cmd === 'version') { console.log(`wgrl ${version()}`); return 0; }
    if (cmd === undefined || cmd === '--help' || cmd === 'help') { process.stdout.write(USAGE); return 0; }
    process.stderr.write(`wgrl: unknown command '${cmd}'${didYouMean(cmd, ['train', 'eval', 'plot', 'reproduce', 'version', 'help'])}\n\n${USAGE}`);
    return 2;
  } catch (e) {
    const err = e as Error;
    const known = err instanceof InputError || err instanceof GpuError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`\nwgrl: error: ${err.message}\n`);
    // A GPU stuck in a shader keeps Dawn's threads busy: leave now rather than wait for them.
    if (err instanceof GpuError && err.kind === 'timeout') process.exit(2);
    if (!known && process.env.WGRL_DEBUG) process.stderr.write(`${err.stack}\n`);
    return known ? 2 : 1;
  }
}

main().then((code) => { process.exitCode = code; });
