// Bad input, case by case: each gets an error naming the problem and the fix, before any GPU
// work where possible, and no run directory is left that can be neither resumed nor restarted.
import { describe, it, expect } from 'vitest';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { getDevice, scratchDir } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { runTraining, readMetricLines, CHECKPOINT_FILE } from '../src/train/run.js';
import { readCheckpoint, decodeSafetensors, encodeSafetensors, CheckpointError } from '../src/train/checkpoint.js';
import { evaluateCheckpoint } from '../src/train/evaluate.js';
import { makeConfig, parseField, fieldDoc, FIELDS, ConfigError, type TrainConfig } from '../src/train/config.js';
import { checkAdapterChoice } from '../src/gpu/node.js';
import { matmul } from '../src/kernels/matmul.js';
import { nearest } from '../src/errors.js';

const tmp = () => scratchDir('wgrl-bad-');
const TINY: Partial<TrainConfig> = { env: 'CartPole-v1', algo: 'ppo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 1, totalTimesteps: 64 * 6, seed: 5 };
const metricLines = (dir: string) => readMetricLines(join(dir, 'metrics.jsonl'), () => {}).map((m) => { delete m['charts/SPS']; return m; });
const cliPath = join(process.cwd(), 'dist', 'cli.js');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, WGRL_ADAPTER: 'swiftshader', ...env } });

describe('config keys and values', () => {
  it('an unknown key is rejected with the nearest valid one, in makeConfig and the Trainer', async () => {
    expect(() => makeConfig({ numEnv: 8 } as never, false)).toThrow(/unknown config key 'numEnv' \(did you mean 'numEnvs'\?\)/);
    expect(() => makeConfig({ learning_rate: 1e-3 } as never, false)).toThrow(/did you mean 'learningRate'/);
    expect(() => makeConfig({ zzzzzzzzzz: 1 } as never, false)).toThrow(/unknown config key 'zzzzzzzzzz'; the keys are/);
    const dev = await getDevice();
    expect(() => new Trainer(dev, { numEnv: 8 } as never)).toThrow(ConfigError);
  });

  it('non-finite numbers are named as such, integers must be integers, booleans take CleanRL spellings', () => {
    expect(() => parseField('learningRate', 'Infinity')).toThrow(/--learning-rate expects a finite number, got 'Infinity' \(not finite\)/);
    expect(() => parseField('numEnvs', '-Infinity')).toThrow(/not finite/);
    expect(() => parseField('numEnvs', '2.5')).toThrow(/--num-envs expects an integer/);
    expect(() => parseField('gamma', 'abc')).toThrow(/expects a number, got 'abc'/);
    expect(() => makeConfig({ learningRate: Infinity }, false)).toThrow(/--learning-rate.*finite/);
    expect(parseField('annealLr', 'False')).toBe(false);
    expect(parseField('annealLr', 'TRUE')).toBe(true);
    expect(() => parseField('annealLr', 'maybe')).toThrow(/expects true or false/);
  });

  it("another algorithm's field is rejected, not silently unused", () => {
    expect(() => makeConfig({ algo: 'ppo', klTarget: 0.02 }, false)).toThrow(/--kl-target applies to ppo-kl only, not to --algo ppo: drop it, or choose --algo ppo-kl/);
    expect(() => makeConfig({ algo: 'spo', cgDamping: 0.5 }, false)).toThrow(/--cg-damping applies to trpo only/);
    expect(makeConfig({ algo: 'ppo-kl', klTarget: 0.02 }, false).klTarget).toBe(0.02);
    // A resumed run passes its whole saved config back: other algorithms' defaults are fine.
    const saved = makeConfig({ algo: 'ppo' }, false);
    expect(makeConfig(saved, false).algo).toBe('ppo');
  });

  it('nearest suggests plausible typos only', () => {
    expect(nearest('CartPole-v0', ['CartPole-v1', 'Acrobot-v1'])).toBe('CartPole-v1');
    expect(nearest('spoo', ['ppo', 'spo', 'trpo'])).toBe('spo');
    expect(nearest('completely-different', ['ppo', 'spo'])).toBeUndefined();
  });

  it('adapter choices from the option and WGRL_ADAPTER are checked', () => {
    expect(checkAdapterChoice(undefined, undefined)).toBe('auto');
    expect(checkAdapterChoice(undefined, 'swiftshader')).toBe('swiftshader');
    expect(checkAdapterChoice('hardware', 'garbage')).toBe('hardware');
    expect(() => checkAdapterChoice('garbage', undefined)).toThrow(/unknown adapter --adapter = 'garbage'; choose one of auto, swiftshader, hardware/);
    expect(() => checkAdapterChoice(undefined, 'swiftshadr')).toThrow(/WGRL_ADAPTER = 'swiftshadr' \(did you mean 'swiftshader'\?\)/);
  });
});

describe('the CLI', () => {
  it('rejects bad values before the adapter starts, and suggests flags, envs and algorithms', () => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [['train', '--learning-rate', 'Infinity'], /--learning-rate expects a finite number/],
      [['train', '--num-envz', '8'], /unknown option --num-envz for wgrl train \(did you mean '--num-envs'\?\)/],
      [['train', '--env', 'CartPole-v0'], /unknown environment 'CartPole-v0' \(did you mean 'CartPole-v1'\?\)/],
      [['train', '--algo', 'trpoo'], /unknown algorithm \(did you mean 'trpo'\?\)/],
      [['train', '--adapter', 'garbage'], /unknown adapter --adapter = 'garbage'/],
      [['train'], /unknown adapter WGRL_ADAPTER = 'garbage'/, { WGRL_ADAPTER: 'garbage' }],
      [['train', '--anneal-lr', 'maybe'], /Unexpected argument 'maybe'/],
      [['train', '--num-envs', '3', '--num-steps', '5', '--num-minibatches', '4'], /--num-minibatches.*must divide/],
      [['eval', '--checkpoint', 'x.safetensors', '--seed', 'abc'], /--seed expects an integer >= 0, got 'abc'/],
      [['eval', '--checkpoint', 'x.safetensors', '--episodes', '0'], /--episodes expects an integer >= 1/],
      [['eval', '--checkpoint', 'x.safetensors', '--adapter', 'nope'], /unknown adapter/],
      [['trian'], /unknown command 'trian' \(did you mean 'train'\?\)/],
    ];
    for (const [args, message, env] of cases) {
      const r = cli(args, env);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr, `${args.join(' ')}: must fail before the adapter starts`).not.toMatch(/wgrl: adapter/);
    }
  });

  it('--version, eval --help, and CleanRL booleans (--no-x, --x alone, --x False)', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(cli(['--version']).stdout.trim()).toBe(`wgrl ${pkg.version}`);
    const trainHelp = cli(['train', '--help']).stdout;
    for (const k of Object.keys(FIELDS) as (keyof TrainConfig)[]) {
      expect(fieldDoc(k), `${k} has a description`).not.toBe('');
      expect(trainHelp).toContain(fieldDoc(k));
    }
    expect(trainHelp).toMatch(/wgrl train \[--env CartPole-v1\] \[--algo ppo\] \[--seed 1\]/);
    expect(trainHelp).toMatch(/environments \(--env\): CartPole-v1, Acrobot-v1/);
    const help = cli(['eval', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--episodes N/);
    const base = ['--total-timesteps', '64', '--num-envs', '4', '--num-steps', '16', '--num-minibatches', '2', '--quiet'];
    const cases: [string[], Partial<TrainConfig>][] = [
      [['--no-anneal-lr', '--norm-adv'], { annealLr: false, normAdv: true }],
      [['--anneal-lr', 'False', '--clip-vloss=0'], { annealLr: false, clipVloss: false }],
    ];
    for (const [flags, expected] of cases) {
      const dir = join(tmp(), 'run');
      const r = cli(['train', '--run-dir', dir, ...flags, ...base]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject(expected);
    }
  });

  it('file-system errors name the file and the fix', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'adir'));
    const r = cli(['eval', '--checkpoint', join(dir, 'adir')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read the checkpoint .*adir: it is a directory; give a file path \(EISDIR\)/);
    writeFileSync(join(dir, 'afile'), 'x');
    const dev = await getDevice();
    await expect(runTraining(dev, TINY, { runDir: join(dir, 'afile') })).rejects.toThrow(/is a file, not a directory/);
    await expect(runTraining(dev, TINY, { runDir: join(dir, 'afile', 'sub') })).rejects.toThrow(/cannot create the run directory .*a part of the path is a file/);
  });
});

describe('kernel wrappers', () => {
  it('matmul checks buffers against the bytes the shape needs, not the 16-byte padding', async () => {
    const dev = await getDevice();
    const a = dev.upload('a', [1, 2]), b = dev.upload('b', [1, 2, 3, 4]), c = dev.buffer('c', 16);
    // [2, 2]·[2, 2] needs 4 floats of a; the buffer holds 2 (padded to 16 bytes on the GPU).
    expect(a.size).toBe(16);
    expect(() => matmul(dev, { M: 2, N: 2, K: 2 }, { a, b, c })).toThrow(/buffer 'a' .* holds 2 elements but the shapes need 4/);
    const a4 = dev.upload('a4', [1, 2, 3, 4]);
    expect(() => matmul(dev, { M: 2, N: 2, K: 2 }, { a: a4, b, c })).not.toThrow();
  });
});

describe('checkpoints and run directories', () => {
  it('a tensor holding NaN or Inf is named on load, in eval and resume', async () => {
    const dev = await getDevice();
    const dir = join(tmp(), 'run');
    await runTraining(dev, TINY, { runDir: dir, log: () => {} });
    const path = join(dir, CHECKPOINT_FILE);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(readFileSync(path)));
    const entries = new Map([...tensors].map(([k, v]) => [k, { dtype: 'F32' as const, shape: [v.length], data: v }]));
    entries.get('critic.2.weight')!.data[17] = NaN;
    writeFileSync(path, encodeSafetensors(entries, metadata));
    expect(() => readCheckpoint(path)).toThrow(/tensor 'critic.2.weight' holds NaN at element 17/);
    await expect(evaluateCheckpoint(dev, path)).rejects.toThrow(CheckpointError);
    await expect(runTraining(dev, {}, { runDir: dir, resume: true })).rejects.toThrow(/critic.2.weight/);
    entries.get('critic.2.weight')!.data[17] = 0;
    entries.get('wgrl.optimizer.exp_avg_sq')!.data[3] = Infinity;
    writeFileSync(path, encodeSafetensors(entries, metadata));
    expect(() => readCheckpoint(path)).toThrow(/'wgrl.optimizer.exp_avg_sq' holds Infinity at element 3/);
  });

  it('a torn last metrics line is dropped with a notice and the resumed run matches an uninterrupted one; a bad middle line names the file', async () => {
    const dev = await getDevice();
    const ref = join(tmp(), 'ref'), dir = join(tmp(), 'torn');
    await runTraining(dev, TINY, { runDir: ref, log: () => {} });
    await runTraining(dev, TINY, { runDir: dir, maxIterations: 3, checkpointEvery: 100, log: () => {} });
    appendFileSync(join(dir, 'metrics.jsonl'), '{"iteration": 4, "global_st');
    const notices: string[] = [];
    await runTraining(dev, {}, { runDir: dir, resume: true, log: (m) => notices.push(m) });
    expect(notices.join('\n')).toMatch(/metrics.jsonl: dropped a torn last line/);
    expect(metricLines(dir)).toEqual(metricLines(ref));
    const bad = join(tmp(), 'metrics.jsonl');
    writeFileSync(bad, '{"iteration": 1}\n{"iter\n{"iteration": 3}\n');
    expect(() => readMetricLines(bad, () => {})).toThrow(/metrics.jsonl: line 2 is not JSON/);
  });

  it('iteration 0 is checkpointed, so a run stopped in its first iteration resumes to the uninterrupted result', async () => {
    const dev = await getDevice();
    const ref = join(tmp(), 'ref'), dir = join(tmp(), 'stopped');
    await runTraining(dev, TINY, { runDir: ref, log: () => {} });
    await expect(runTraining(dev, TINY, { runDir: dir, checkpointEvery: 100, log: () => {}, onIteration: () => { throw new Error('interrupted'); } })).rejects.toThrow(/interrupted/);
    expect(readCheckpoint(join(dir, CHECKPOINT_FILE)).meta.host.iteration).toBe(0);
    await runTraining(dev, {}, { runDir: dir, resume: true, log: () => {} });
    expect(metricLines(dir)).toEqual(metricLines(ref));
  });

  it('a run directory with no checkpoint can be restarted, and --resume on it says so', async () => {
    const dev = await getDevice();
    const dir = join(tmp(), 'nockpt');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'metrics.jsonl'), '{"iteration": 1}\n');
    await expect(runTraining(dev, {}, { runDir: dir, resume: true })).rejects.toThrow(/holds no checkpoint.safetensors \(the run stopped before its first checkpoint\); run again without --resume/);
    const notices: string[] = [];
    const s = await runTraining(dev, TINY, { runDir: dir, log: (m) => notices.push(m) });
    expect(notices.join('\n')).toMatch(/holds no checkpoint .*starting it over/);
    expect(s.finished).toBe(true);
    expect(metricLines(dir).length).toBe(s.iterations);
    // A directory with anything else in it is never written into.
    const other = tmp();
    writeFileSync(join(other, 'config.json'), '{}');
    writeFileSync(join(other, 'thesis.tex'), 'precious');
    await expect(runTraining(dev, TINY, { runDir: other })).rejects.toThrow(/already exists/);
    expect(existsSync(join(other, 'metrics.jsonl'))).toBe(false);
  });

  it('resume refuses changes the saved state depends on and records the others in config.json', async () => {
    const dev = await getDevice();
    const dir = join(tmp(), 'changes');
    await runTraining(dev, TINY, { runDir: dir, maxIterations: 2, log: () => {} });
    await expect(runTraining(dev, { actorHidden: [32, 32] }, { runDir: dir, resume: true })).rejects.toThrow(/actorHidden = \[64,64\], this run has \[32,32\]; --actor-hidden cannot change on resume/);
    await expect(runTraining(dev, { seed: 9 }, { runDir: dir, resume: true })).rejects.toThrow(/--seed cannot change/);
    const notices: string[] = [];
    const s = await runTraining(dev, { learningRate: 1e-3 }, { runDir: dir, resume: true, log: (m) => notices.push(m) });
    expect(notices.join('\n')).toMatch(/resuming with changed learningRate 0.00025 → 0.001 from iteration 2/);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.learningRate).toBe(1e-3);
    expect(config.changes).toEqual([{ iteration: 2, field: 'learningRate', from: 2.5e-4, to: 1e-3 }]);
    expect(s.segments).toBe(2);
    expect(s.sps).toBeCloseTo(s.global_step / s.wall_seconds, 6);
  });

  it('resuming a finished run says so and leaves summary.json untouched', async () => {
    const dev = await getDevice();
    const dir = join(tmp(), 'done');
    await runTraining(dev, TINY, { runDir: dir, log: () => {} });
    const summaryPath = join(dir, 'summary.json');
    const before = readFileSync(summaryPath, 'utf8'), mtime = statSync(summaryPath).mtimeMs;
    const notices: string[] = [];
    const s = await runTraining(dev, {}, { runDir: dir, resume: true, log: (m) => notices.push(m) });
    expect(notices.join('\n')).toMatch(/is already complete \(384 steps, 6 iterations\); nothing to do/);
    expect(readFileSync(summaryPath, 'utf8')).toBe(before);
    expect(statSync(summaryPath).mtimeMs).toBe(mtime);
    expect(s.global_step).toBe(384);
  });
});

describe('stopping a run', () => {
  it("charts/SPS is CleanRL's: steps since the first iteration over the time since then", async () => {
    const dev = await getDevice();
    const trainer = new Trainer(dev, { ...TINY, totalTimesteps: 64 * 4 });
    await trainer.iterate();
    const t0 = performance.now();
    const m2 = await trainer.iterate();
    await new Promise((r) => setTimeout(r, 300));  // idle time between iterations counts, as in CleanRL
    const m3 = await trainer.iterate();
    const since = (performance.now() - t0) / 1000;
    // Three iterations' steps over the time from the first iteration's start: below two
    // iterations' steps over the time since the second started.
    expect(m3['charts/SPS']).toBeLessThan(m2['charts/SPS']);
    expect(m3['charts/SPS']).toBeLessThan((3 * 64) / since);
    expect(m3['charts/SPS']).toBeGreaterThan(0);
  });

  it('--target-return stops once the 100-episode mean reaches it, saved and resumable', async () => {
    const dev = await getDevice();
    const dir = join(tmp(), 'target');
    const config: Partial<TrainConfig> = { ...TINY, numEnvs: 16, numSteps: 32, totalTimesteps: 512 * 40 };
    const s = await runTraining(dev, config, { runDir: dir, targetReturn: 1, log: () => {} });
    expect(s.stop_reason).toBe('target-return');
    expect(s.finished).toBe(false);
    expect(s.iterations).toBeLessThan(40);
    expect(readCheckpoint(join(dir, CHECKPOINT_FILE)).meta.host.iteration).toBe(s.iterations);
    expect(readMetricLines(join(dir, 'metrics.jsonl'), () => {}).at(-1)!['charts/mean_return_100']).toBeGreaterThanOrEqual(1);
    const never = join(tmp(), 'x');
    await expect(runTraining(dev, config, { runDir: never, targetReturn: NaN })).rejects.toThrow(/--target-return must be a finite number/);
    expect(existsSync(never)).toBe(false);
  });

  for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} finishes the iteration, saves, writes the summary, says how to resume and exits ${status}`, async () => {
      const dir = join(tmp(), 'sig');
      const child = spawn(process.execPath, [cliPath, 'train', '--run-dir', dir, '--total-timesteps', '200000', '--num-envs', '4', '--num-steps', '16', '--num-minibatches', '2', '--update-epochs', '1'],
        { env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await new Promise<void>((resolve) => child.stderr.on('data', (d) => { stderr += d; if (/steps \|/.test(stderr)) resolve(); }));
      child.kill(signal);
      expect(await exited).toBe(status);
      expect(stderr).toMatch(/\] +\d+% [\d.k]+\/[\d.k]+ steps \| \d+:\d\d elapsed, ETA [\d:]+ \|/);
      expect(stdout).toMatch(new RegExp(`stopped by ${signal} at \\d+ steps; continue with: wgrl train --run-dir .* --resume`));
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      expect(summary.stop_reason).toBe(signal);
      expect(summary.finished).toBe(false);
      expect(readCheckpoint(join(dir, CHECKPOINT_FILE)).meta.host.iteration).toBe(summary.iterations);
      expect(readMetricLines(join(dir, 'metrics.jsonl'), () => {}).length).toBe(summary.iterations);
    });
  }
});

describe('a WGSL environment that never returns', () => {
  it('fails after --gpu-timeout with an error naming the cause and the flag, instead of hanging; the run stays resumable', () => {
    const dir = tmp();
    // In a child process: the stuck shader keeps that process's GPU threads spinning until it exits.
    const script = join(dir, 'hang.mjs');
    writeFileSync(script, `
      import { createNodeDevice, runTraining } from ${JSON.stringify(join(process.cwd(), 'dist', 'index.js'))};
      const wgsl = \`
        alias EnvState = array<f32, 2>;
        fn env_reset(u: vec4f) -> EnvState { return EnvState(u.x, 0.0); }
        fn env_step(s: EnvState, action: u32) -> StepResult {
          var pos = s[0];
          loop { pos = pos + 1e-9; if (pos >= 2.0 && pos < 1.5) { break; } }
          return StepResult(EnvState(pos, s[1] + 1.0), 0.0, false);
        }
        fn env_observe(s: EnvState, i: u32) -> f32 { return s[i]; }\`;
      const dev = await createNodeDevice({ gpuTimeoutSeconds: 3, verbose: false });
      try {
        await runTraining(dev, { algo: 'ppo', numEnvs: 4, numSteps: 8, numMinibatches: 1, updateEpochs: 1, totalTimesteps: 64 },
          { runDir: ${JSON.stringify(join(dir, 'run'))}, env: { id: 'Hang-v0', wgsl, stateDim: 2, obsDim: 2, action: { type: 'discrete', n: 2 }, maxEpisodeSteps: 50 }, log: () => {} });
      } catch (e) {
        console.log(JSON.stringify({ kind: e.kind, message: e.message }));
        process.exit(3);
      }
    `);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
    expect(r.status, r.stderr).toBe(3);
    expect((performance.now() - t0) / 1000).toBeLessThan(60);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.kind).toBe('timeout');
    expect(out.message).toMatch(/did not finish .* within 3 s: a WGSL environment whose env_step, env_reset or env_observe never returns .*--gpu-timeout/);
    // Iteration 0 was saved before the first iteration hung.
    expect(existsSync(join(dir, 'run', CHECKPOINT_FILE))).toBe(true);
  }, 150_000);

  it('--gpu-timeout is checked before the adapter starts', () => {
    for (const bad of ['-1', 'abc', 'Infinity']) {
      const r = cli(['train', `--gpu-timeout=${bad}`]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`--gpu-timeout expects a number of seconds >= 0 \\(0: no limit\\), got '${bad}'`));
      expect(r.stderr).not.toMatch(/wgrl: adapter/);
    }
    expect(cli(['eval', '--checkpoint', 'x', '--gpu-timeout=-5']).stderr).toMatch(/--gpu-timeout expects/);
  });
});
