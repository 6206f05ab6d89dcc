import { describe, it, expect } from 'vitest';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { getDevice, scratchDir, metricsWithoutSps } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { runTraining, CHECKPOINT_FILE } from '../src/train/run.js';
import { readCheckpoint, CheckpointError, encodeSafetensors, decodeSafetensors } from '../src/train/checkpoint.js';
import { evaluateCheckpoint } from '../src/train/evaluate.js';
import { createNodeDevice } from '../src/gpu/node.js';
import { makeConfig } from '../src/train/config.js';
import type { TrainConfig } from '../src/train/config.js';

const tmp = () => scratchDir('wgrl-test-');
const TINY: Partial<TrainConfig> = { env: 'CartPole-v1', algo: 'spo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 64 * 8, seed: 3 };

describe('learning', () => {
  it('PPO on CartPole beats a random policy (return ~22) by a wide margin within 25k steps', async () => {
    const dev = await getDevice();
    const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo', totalTimesteps: 512 * 48, seed: 1 });
    while (!trainer.done) await trainer.iterate();
    expect(trainer.meanReturn100!).toBeGreaterThan(60);
  });

  for (const algo of ['spo-kl', 'ppo-kl', 'a2c'] as const) {
    it(`${algo} improves on a random CartPole policy`, async () => {
      const dev = await getDevice();
      // A2C takes one gradient step per batch: a larger step size and more batches.
      const trainer = new Trainer(dev, { env: 'CartPole-v1', algo, totalTimesteps: 512 * (algo === 'a2c' ? 48 : 24), seed: 1, ...(algo === 'a2c' ? { learningRate: 3e-3 } : {}) });
      let firstKl = 0;
      while (!trainer.done) {
        const m = await trainer.iterate();
        firstKl ||= m['charts/average_kld'];
        for (const v of Object.values(m)) if (typeof v === 'number') expect(Number.isNaN(v) && v !== m['losses/explained_variance']).toBe(false);
      }
      expect(firstKl).toBeGreaterThan(0);
      expect(trainer.meanReturn100!).toBeGreaterThan(35);
    });
  }

  it('SortDigits (reward only at the end): PPO at least doubles the 0.1 of positions that random output gets, within 20k steps', async () => {
    const dev = await getDevice();
    const trainer = new Trainer(dev, { env: 'SortDigits-v0', algo: 'ppo', numEnvs: 64, numSteps: 16, learningRate: 1e-3, totalTimesteps: 1024 * 20, seed: 1 });
    while (!trainer.done) await trainer.iterate();
    expect(trainer.meanReturn100!).toBeGreaterThan(0.2);
  }, 120_000);

  it('Pendulum with continuous actions, observation and reward normalisation trains without NaN', async () => {
    const dev = await getDevice();
    const trainer = new Trainer(dev, { env: 'Pendulum-v1', algo: 'spo', numEnvs: 8, numSteps: 64, numMinibatches: 4, updateEpochs: 4, totalTimesteps: 512 * 6, seed: 1 });
    expect(trainer.config.normObs && trainer.config.normReward).toBe(true);
    while (!trainer.done) {
      const m = await trainer.iterate();
      expect(Number.isFinite(m['losses/value_loss']) && Number.isFinite(m['charts/average_kld'])).toBe(true);
    }
    const stats = await dev.readF32(trainer.rollout.normStats, 2 * 3 + 4);
    expect(stats[8]).toBeGreaterThan(512 * 6 - 1); // observations counted into the running stats
    expect(Math.abs(stats[1])).toBeGreaterThan(0); // sin θ mean moved from its initial 0
  });
});

describe('evaluation during training (--eval-every)', () => {
  it('logs greedy evaluations every N iterations without changing what is trained', async () => {
    const dev = await getDevice();
    const plain = join(tmp(), 'run'), withEval = join(tmp(), 'run');
    await runTraining(dev, TINY, { runDir: plain, log: () => {} });
    const summary = await runTraining(dev, TINY, { runDir: withEval, evalEvery: 3, evalEpisodes: 4, log: () => {} });
    const a = metricsWithoutSps(plain), b = metricsWithoutSps(withEval);
    const evalKeys = ['eval/mean_return', 'eval/std_return', 'eval/mean_length'];
    b.forEach((m, i) => {
      if (m.iteration % 3 === 0) {
        for (const k of evalKeys) expect(Number.isFinite(m[k]), `${k} at iteration ${m.iteration}`).toBe(true);
        // CartPole pays 1 per step: a return is its episode's length.
        expect(m['eval/mean_return']).toBe(m['eval/mean_length']);
        expect(m['eval/mean_return']).toBeGreaterThanOrEqual(8);
      } else for (const k of evalKeys) expect(m[k]).toBeUndefined();
      for (const k of evalKeys) delete m[k];
      expect(m, `iteration ${i + 1}`).toEqual(a[i]);
    });
    expect(summary.last_eval_mean_return).toBe(metricsWithoutSps(withEval)[5]['eval/mean_return']);
    // The same evaluation twice gives the same numbers: greedy actions, a fixed random stream.
    const again = await runTraining(dev, TINY, { runDir: join(tmp(), 'run'), evalEvery: 3, evalEpisodes: 4, log: () => {} });
    expect(again.last_eval_mean_return).toBe(summary.last_eval_mean_return);
  }, 120_000);

  it('bad evaluation options are named before anything runs', async () => {
    const dev = await getDevice();
    const dir = join(tmp(), 'run');
    await expect(runTraining(dev, TINY, { runDir: dir, evalEpisodes: 5 })).rejects.toThrow(/--eval-episodes needs --eval-every N/);
    await expect(runTraining(dev, TINY, { runDir: dir, evalEvery: 0 })).rejects.toThrow(/--eval-every expects an integer >= 1, got 0/);
    await expect(runTraining(dev, TINY, { runDir: dir, evalEvery: 2, evalEpisodes: 1.5 })).rejects.toThrow(/--eval-episodes expects an integer/);
    expect(existsSync(dir)).toBe(false);
    const cli = (args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'dist', 'cli.js'), ...args], { encoding: 'utf8', env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
    let r = cli(['train', '--eval-episodes', '5']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--eval-episodes needs --eval-every/);
    r = cli(['train', '--eval-every', 'x']);
    expect(r.stderr).toMatch(/--eval-every expects an integer >= 1, got 'x'/);
    expect(r.stderr).not.toMatch(/wgrl: adapter/);
  }, 60_000);
});

describe('checkpoints', () => {
  it('a resumed run gives exactly the metrics of an uninterrupted one', async () => {
    const dev = await getDevice();
    const a = join(tmp(), 'a'), b = join(tmp(), 'b');
    await runTraining(dev, TINY, { runDir: a });
    await runTraining(dev, TINY, { runDir: b, maxIterations: 3, checkpointEvery: 100 });
    expect(readCheckpoint(join(b, CHECKPOINT_FILE)).meta.host.iteration).toBe(3);
    await runTraining(dev, {}, { runDir: b, resume: true });
    expect(metricsWithoutSps(b)).toEqual(metricsWithoutSps(a));
    const ca = readCheckpoint(join(a, CHECKPOINT_FILE)).tensors, cb = readCheckpoint(join(b, CHECKPOINT_FILE)).tensors;
    expect(Array.from(cb.get('actor.0.weight')!)).toEqual(Array.from(ca.get('actor.0.weight')!));
  });

  it('safetensors round-trip, CleanRL names and PyTorch [out, in] shapes', async () => {
    const dir = join(tmp(), 'r');
    await runTraining(await getDevice(), { ...TINY, totalTimesteps: 64 }, { runDir: dir });
    const { tensors, meta } = readCheckpoint(join(dir, CHECKPOINT_FILE));
    const bytes = new Uint8Array(readFileSync(join(dir, CHECKPOINT_FILE)));
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString());
    expect(header['actor.0.weight'].shape).toEqual([64, 4]);
    expect(header['actor.4.weight'].shape).toEqual([2, 64]);
    expect(header['critic.4.bias'].shape).toEqual([1]);
    expect(meta.config.algo).toBe('spo');
    const again = decodeSafetensors(encodeSafetensors(new Map([['x', { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) }]]), { k: 'v' }));
    expect(Array.from(again.tensors.get('x')!)).toEqual([1, 2]);
    expect(tensors.size).toBeGreaterThan(6);
  });

  it('a lost device ends the run with a clear error, keeps the last checkpoint, and --resume finishes it identically', async () => {
    const ref = join(tmp(), 'ref'), dir = join(tmp(), 'lost');
    const shared = await getDevice();
    await runTraining(shared, TINY, { runDir: ref });
    const dev = await createNodeDevice({ verbose: false });
    let err: Error | null = null;
    try {
      await runTraining(dev, TINY, { runDir: dir, checkpointEvery: 2, onIteration: (m) => { if (m.iteration === 5) dev.device.destroy(); } });
    } catch (e) { err = e as Error; }
    expect(err?.message).toMatch(/device lost/i);
    const ck = readCheckpoint(join(dir, CHECKPOINT_FILE));
    expect(ck.meta.host.iteration).toBe(4);
    await runTraining(shared, {}, { runDir: dir, resume: true });
    expect(metricsWithoutSps(dir)).toEqual(metricsWithoutSps(ref));
  });

  it('eval runs a checkpoint deterministically and sampled', async () => {
    const dir = join(tmp(), 'e');
    const dev = await getDevice();
    await runTraining(dev, { ...TINY, totalTimesteps: 128 }, { runDir: dir });
    const det = await evaluateCheckpoint(dev, join(dir, CHECKPOINT_FILE), { episodes: 5, deterministic: true });
    const det2 = await evaluateCheckpoint(dev, join(dir, CHECKPOINT_FILE), { episodes: 5, deterministic: true });
    expect(det.episodes).toBe(5);
    expect(det.returns).toEqual(det2.returns);
    for (const r of det.returns) expect(r).toBeGreaterThanOrEqual(1);
  });

  it('rejects corrupt and mismatched checkpoints', async () => {
    const dir = tmp();
    const bad = join(dir, 'bad.safetensors');
    writeFileSync(bad, Buffer.from([1, 2, 3]));
    expect(() => readCheckpoint(bad)).toThrow(CheckpointError);
    writeFileSync(bad, Buffer.concat([Buffer.from(new BigUint64Array([1000n]).buffer), Buffer.from('{"a":')]));
    expect(() => readCheckpoint(bad)).toThrow(/corrupt/);
    const run = join(dir, 'run');
    const dev = await getDevice();
    await runTraining(dev, { ...TINY, totalTimesteps: 64 }, { runDir: run });
    const bytes = readFileSync(join(run, CHECKPOINT_FILE));
    writeFileSync(bad, bytes.subarray(0, bytes.length - 100));
    expect(() => readCheckpoint(bad)).toThrow(/truncated/);
    await expect(runTraining(dev, { numEnvs: 8, totalTimesteps: 512 }, { runDir: run, resume: true })).rejects.toThrow(/numEnvs = 4, this run has 8/);
  });
});

describe('resources and bad input', () => {
  it('creates no GPU buffers or pipelines after the first iteration', async () => {
    const dev = await getDevice();
    const trainer = new Trainer(dev, { ...TINY, totalTimesteps: 64 * 30 });
    await trainer.iterate();
    const buffers = dev.buffersCreated, pipelines = dev.pipelineCount;
    while (!trainer.done) await trainer.iterate();
    expect(dev.buffersCreated).toBe(buffers);
    expect(dev.pipelineCount).toBe(pipelines);
  });

  it('impossible configs get errors naming the field and the fix', () => {
    expect(() => makeConfig({ algo: 'grpo-x' as never }, false)).toThrow(/--algo.*ppo, ppo-kl, spo, spo-kl, a2c, trpo/);
    expect(() => makeConfig({ numEnvs: 2, numSteps: 4, numMinibatches: 16 }, false)).toThrow(/--num-minibatches.*batch is numEnvs × numSteps = 8/);
    expect(() => makeConfig({ numEnvs: 3, numSteps: 5, numMinibatches: 4 }, false)).toThrow(/must divide/);
    expect(() => makeConfig({ learningRate: -1 }, false)).toThrow(/--learning-rate.*> 0/);
    expect(() => makeConfig({ gamma: NaN }, false)).toThrow(/--gamma/);
    expect(() => makeConfig({ actorHidden: [64, 0] }, false)).toThrow(/--actor-hidden/);
    expect(() => makeConfig({ totalTimesteps: 10 }, false)).toThrow(/--total-timesteps/);
  });

  it('the CLI exits 2 with a message for bad flags and never overwrites an existing run', async () => {
    const cli = join(process.cwd(), 'dist', 'cli.js');
    const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
    let r = run(['train', '--algo', 'bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/invalid --algo = "bogus"/);
    r = run(['train', '--env', 'Nope-v0']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown environment 'Nope-v0'/);
    r = run(['train', '--frobnicate']);
    expect(r.status).toBe(2);
    const dir = tmp();
    writeFileSync(join(dir, 'keep.txt'), 'precious');
    const before = statSync(join(dir, 'keep.txt')).mtimeMs;
    r = run(['train', '--run-dir', dir, '--total-timesteps', '512']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/already exists.*--resume/);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('precious');
    expect(statSync(join(dir, 'keep.txt')).mtimeMs).toBe(before);
    expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(false);
    r = run(['eval', '--checkpoint', join(dir, 'none.safetensors')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no checkpoint at/);
  });
});
