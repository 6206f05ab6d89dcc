import { describe, it, expect } from 'vitest';
import { getDevice } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { REFERENCE_ENVS } from '../src/envs/reference.js';
import { CpuRng } from '../src/util/random.js';
import type { JsEnv, JsEnvSpec } from '../src/envs/js_env.js';

/** CartPole as a plain JS object (Gymnasium's API: reset(seed), step → terminated/truncated). */
function jsCartPole(index: number, corrupt?: { atStep: number; value: number }): JsEnv {
  const ref = REFERENCE_ENVS['CartPole-v1'];
  let rng = new CpuRng(index), s: number[] = [], t = 0, total = 0;
  return {
    reset(seed?: number) {
      if (seed !== undefined) rng = new CpuRng(seed);
      s = ref.reset([rng.next(), rng.next(), rng.next(), rng.next()]); t = 0;
      return s;
    },
    step(action) {
      if (action !== 0 && action !== 1) throw new Error(`CartPole got action ${action}`);
      const r = ref.step(s, action); s = r.state; t++; total++;
      const obs = corrupt && total === corrupt.atStep ? [corrupt.value, 0, 0, 0] : r.obs;
      return { observation: obs, reward: r.reward, terminated: r.terminated, truncated: t >= 500 };
    },
  };
}

const spec = (make: (i: number) => JsEnv, obsDim = 4): JsEnvSpec => ({ id: 'JsCartPole-v1', obsDim, action: { type: 'discrete', n: 2 }, make, rewardThreshold: 475 });

describe('JS environments on the GPU training path', () => {
  it('a JS CartPole trains with PPO well above a random policy', async () => {
    const dev = await getDevice();
    // 16 envs × 32 steps: the batch of CleanRL's 4 × 128 with a quarter of the per-step round trips.
    const trainer = new Trainer(dev, { algo: 'ppo', numEnvs: 16, numSteps: 32, totalTimesteps: 512 * 48, seed: 1 }, spec((i) => jsCartPole(i)));
    let first: number | null = null;
    while (!trainer.done) { const m = await trainer.iterate(); first ??= m['charts/episodic_return']; }
    expect(first!).toBeLessThan(40);
    expect(trainer.meanReturn100!).toBeGreaterThan(60);
  });

  it('NaN observations, wrong observation sizes and unsupported options get clear errors', async () => {
    const dev = await getDevice();
    const nanTrainer = new Trainer(dev, { numEnvs: 2, numSteps: 16, numMinibatches: 2, totalTimesteps: 64 }, spec((i) => jsCartPole(i, { atStep: 5, value: NaN })));
    await expect(nanTrainer.iterate()).rejects.toThrow(/JsCartPole-v1' #\d returned a non-finite observation \(component 0 = NaN\)/);
    expect(() => new Trainer(dev, { numEnvs: 2, numSteps: 16, numMinibatches: 2, totalTimesteps: 64 }, spec((i) => jsCartPole(i), 5))).toThrow(/observation of length 4.*obsDim = 5/);
    expect(() => new Trainer(dev, { normObs: true }, spec((i) => jsCartPole(i)))).toThrow(/not supported on the host-stepped path/);
  });
});
