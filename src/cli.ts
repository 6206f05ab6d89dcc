#!/usr/bin/env node
// wgrl train | eval: the command-line face of the trainer.
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { createNodeDevice } from './gpu/node.js';
import { GpuError, adapterName } from './gpu/device.js';
import { FIELDS, flagName, parseField, ConfigError, DISCRETE_DEFAULTS, type TrainConfig } from './train/config.js';
import { runTraining, CHECKPOINT_FILE } from './train/run.js';
import { evaluateCheckpoint } from './train/evaluate.js';
import type { IterationMetrics, Trainer } from './train/trainer.js';
import { InputError } from './errors.js';
import { ALGORITHMS } from './algos/registry.js';

const USAGE = `wgrl: reinforcement learning in WebGPU compute shaders

  wgrl train [--env CartPole-v1] [--algo spo] [--seed 1] [options]
  wgrl eval --checkpoint runs/<run>/checkpoint.safetensors [--episodes 10] [--deterministic]

algorithms (--algo):
${Object.values(ALGORITHMS).map((a) => `  ${a.name.padEnd(22)} ${a.summary}`).join('\n')}

train options (CleanRL's names and defaults):
${(Object.keys(FIELDS) as (keyof TrainConfig)[]).map((k) => `  --${flagName(k).padEnd(22)} ${FIELDS[k].padEnd(8)} default ${JSON.stringify(DISCRETE_DEFAULTS[k])}`).join('\n')}
  (continuous-action environments default to ppo_continuous_action.py's values)

run options:
  --run-dir DIR            where config.json, metrics.jsonl, checkpoint.safetensors and summary.json go
                           (default runs/<env>__<algo>__<seed>__<time>)
  --resume                 continue the run in --run-dir from its checkpoint
  --checkpoint-every N     iterations between checkpoints (default 10)
  --adapter auto|swiftshader|hardware
  --quiet                  no progress line
`;

function fmt(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return '-';
  if (Math.abs(x) >= 1000) return `${(x / 1000).toFixed(1)}k`;
  return x.toFixed(digits);
}

function progress(total: number, quiet: boolean) {
  const tty = process.stderr.isTTY;
  let last = 0;
  return (m: IterationMetrics, trainer: Trainer) => {
    if (quiet) return;
    const frac = m.global_step / total;
    const width = 24, filled = Math.round(frac * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${fmt(m.global_step, 0)}/${fmt(total, 0)} steps | ` +
      `${fmt(m['charts/SPS'], 0)} SPS | return(100) ${fmt(m['charts/mean_return_100'])} | KL ${m['charts/average_kld'].toExponential(1)}`;
    if (tty) process.stderr.write(`\r${line}   `);
    else if (performance.now() - last > 5000 || trainer.done) { process.stderr.write(line + '\n'); last = performance.now(); }
  };
}

async function train(argv: string[]): Promise<number> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    'run-dir': { type: 'string' }, resume: { type: 'boolean' }, 'checkpoint-every': { type: 'string' },
    adapter: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean' },
  };
  for (const k of Object.keys(FIELDS)) options[flagName(k)] = { type: 'string' };
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (values.help) { process.stdout.write(USAGE); return 0; }
  const overrides: Partial<TrainConfig> = {};
  for (const k of Object.keys(FIELDS) as (keyof TrainConfig)[]) {
    const v = values[flagName(k)];
    if (typeof v === 'string') (overrides as Record<string, unknown>)[k] = parseField(k, v);
  }
  const env = overrides.env ?? DISCRETE_DEFAULTS.env, algo = overrides.algo ?? DISCRETE_DEFAULTS.algo, seed = overrides.seed ?? DISCRETE_DEFAULTS.seed;
  const resume = !!values.resume;
  const runDir = (values['run-dir'] as string | undefined) ?? (resume ? undefined : join('runs', `${env}__${algo}__${seed}__${new Date().toISOString().replace(/[:.]/g, '-')}`));
  if (!runDir) throw new ConfigError('--resume needs --run-dir pointing at the run to continue');
  const every = values['checkpoint-every'] === undefined ? 10 : Number(values['checkpoint-every']);
  if (!Number.isInteger(every) || every < 1) throw new ConfigError(`--checkpoint-every must be a positive integer, got ${values['checkpoint-every']}`);
  const dev = await createNodeDevice({ adapter: values.adapter as 'auto' | 'swiftshader' | 'hardware' | undefined });
  let onProgress: ReturnType<typeof progress> | null = null;
  const summary = await runTraining(dev, overrides, {
    runDir, resume, checkpointEvery: every,
    onIteration: (m, t) => {
      onProgress ??= progress(t.numIterations * t.batchSize, !!values.quiet);
      onProgress(m, t);
    },
  });
  if (process.stderr.isTTY && !values.quiet) process.stderr.write('\n');
  const thr = summary.reward_threshold;
  console.log(`wgrl: ${summary.env} ${summary.algo} seed ${summary.seed}: ${summary.global_step} steps in ${summary.wall_seconds.toFixed(1)} s ` +
    `(${summary.sps.toFixed(0)} SPS) on ${summary.adapter}`);
  console.log(`wgrl: mean return over the last 100 episodes: ${fmt(summary.final_mean_return_100, 1)}` +
    (thr !== null ? ` (threshold ${thr}: ${summary.solved ? 'solved' : 'not solved'}${summary.steps_to_threshold !== null ? `, first reached at ${summary.steps_to_threshold} steps` : ''})` : ''));
  console.log(`wgrl: metrics ${join(runDir, 'metrics.jsonl')}, checkpoint ${join(runDir, CHECKPOINT_FILE)}, summary ${join(runDir, 'summary.json')}`);
  dev.destroy();
  return 0;
}

async function evaluate(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv, strict: true,
    options: { checkpoint: { type: 'string' }, episodes: { type: 'string' }, deterministic: { type: 'boolean' }, seed: { type: 'string' }, adapter: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (!values.checkpoint) throw new ConfigError('eval needs --checkpoint PATH (a checkpoint.safetensors written by wgrl train)');
  const episodes = values.episodes === undefined ? 10 : Number(values.episodes);
  const dev = await createNodeDevice({ adapter: values.adapter as 'auto' | undefined });
  const r = await evaluateCheckpoint(dev, values.checkpoint, { episodes, deterministic: values.deterministic, seed: values.seed === undefined ? undefined : Number(values.seed) });
  if (values.json) console.log(JSON.stringify({ ...r, adapter: adapterName(dev.adapter) }));
  else console.log(`wgrl eval: ${r.episodes} episodes (${r.deterministic ? 'deterministic' : 'sampled'}): mean return ${r.mean.toFixed(2)} ± ${r.std.toFixed(2)}, min ${Math.min(...r.returns).toFixed(1)}, max ${Math.max(...r.returns).toFixed(1)}`);
  dev.destroy();
  return 0;
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  try {
    if (cmd === 'train') return await train(rest);
    if (cmd === 'eval') return await evaluate(rest);
    process.stdout.write(USAGE);
    return cmd === undefined || cmd === '--help' || cmd === 'help' ? 0 : 2;
  } catch (e) {
    const err = e as Error;
    const known = err instanceof InputError || err instanceof GpuError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`\nwgrl: error: ${err.message}\n`);
    if (!known && process.env.WGRL_DEBUG) process.stderr.write(`${err.stack}\n`);
    return known ? 2 : 1;
  }
}

main().then((code) => { process.exitCode = code; });
