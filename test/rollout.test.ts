import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { getDevice } from './helpers.js';
import { getEnv, type EnvSpec } from '../src/envs/spec.js';
import { policyLayout, initPolicyParams } from '../src/nn/policy.js';
import type { MlpLayout } from '../src/nn/mlp.js';
import { Rollout, type RolloutOptions } from '../src/train/rollout.js';
import { Trainer } from '../src/train/trainer.js';

/** f64 forward of an MLP stored in the flat layout (tanh hidden layers, linear head). */
function forwardRef(params: Float32Array, l: MlpLayout, x: number[]): number[] {
  let h = x;
  for (let k = 0; k + 1 < l.dims.length; k++) {
    const o = Array.from({ length: l.dims[k + 1] }, (_, j) => params[l.b[k] + j]);
    for (let i = 0; i < l.dims[k]; i++) for (let j = 0; j < o.length; j++) o[j] += h[i] * params[l.w[k] + i * o.length + j];
    h = k + 2 < l.dims.length ? o.map(Math.tanh) : o;
  }
  return h;
}

async function collect(env: EnvSpec, opts: Partial<RolloutOptions> & { N: number; T: number }, hidden = [16, 16]) {
  const dev = await getDevice();
  const layout = policyLayout(env, { actorHidden: hidden, criticHidden: hidden, activation: 'tanh' });
  const params = dev.upload('params', initPolicyParams(layout, 3));
  const ro = new Rollout(dev, env, layout, params, { seed: 1, bootstrapTruncation: false, obsNorm: false, rewardNorm: false, gamma: 0.99, activation: 'tanh', ...opts });
  dev.submitEncoder('rollout test', (enc) => { ro.clearEpisodeLog(enc); const p = enc.beginComputePass(); ro.resetKernel.encode(p); ro.encode(p); p.end(); });
  const traj = await dev.readF32(ro.trajBuffer);
  params.destroy();
  ro.destroy();
  return { traj, layout: ro.traj, policy: layout, params: initPolicyParams(layout, 3) };
}

describe('rollout pass', () => {
  it('is reproducible: the same seed gives identical trajectories, another seed does not', async () => {
    for (const id of ['CartPole-v1', 'Pendulum-v1']) {
      const env = getEnv(id);
      const a = await collect(env, { N: 64, T: 32, seed: 7 });
      const b = await collect(env, { N: 64, T: 32, seed: 7 });
      const c = await collect(env, { N: 64, T: 32, seed: 8 });
      expect(Buffer.from(a.traj.buffer).equals(Buffer.from(b.traj.buffer))).toBe(true);
      expect(Buffer.from(a.traj.buffer).equals(Buffer.from(c.traj.buffer))).toBe(false);
    }
  });

  it('stores values and policy heads equal to an f64 forward of the stored observations', async () => {
    // Widths divisible by 4 and not (Acrobot's 6 inputs, the 2- and 3-wide heads), deep and shallow.
    for (const [id, hidden] of [['CartPole-v1', [64, 64]], ['Acrobot-v1', [16, 12]], ['Pendulum-v1', [8]], ['CartPole-v1', [256, 256, 128, 128, 64, 64]]] as const) {
      const env = getEnv(id), N = 16, T = 4;
      const { traj, layout: t, policy, params } = await collect(env, { N, T }, [...hidden]);
      const O = env.obsDim, OUT = policy.outDim;
      for (let i = 0; i < N * T; i++) {
        const obs = Array.from(traj.subarray(t.obs + i * O, t.obs + (i + 1) * O));
        const v = forwardRef(params, policy.critic, obs)[0];
        expect(Math.abs(traj[t.values + i] - v), `${id} value row ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(v)));
        const head = forwardRef(params, policy.actor, obs);
        for (let k = 0; k < OUT; k++) expect(Math.abs(traj[t.dist + i * OUT + k] - head[k]), `${id} head row ${i}`).toBeLessThan(1e-4 * (1 + Math.abs(head[k])));
      }
    }
  });

  it('batched values (the default) equal the step loop\'s bit for bit, bootstrap row included; none leaves them 0', async () => {
    for (const [id, N, T, hidden] of [['CartPole-v1', 4097, 2, [64, 64]], ['Pendulum-v1', 16, 8, [64, 64]], ['Acrobot-v1', 5, 3, [12]], ['CartPole-v1', 3, 4, []]] as const) {
      const env = getEnv(id);
      const batched = await collect(env, { N, T }, [...hidden]);
      const perStep = await collect(env, { N, T, values: 'per-step' }, [...hidden]);
      const none = await collect(env, { N, T, values: 'none' }, [...hidden]);
      const t = batched.layout, rows = (T + 1) * N;
      expect(Buffer.from(batched.traj.buffer).equals(Buffer.from(perStep.traj.buffer)), `${id} N=${N}`).toBe(true);
      // Without values only the value rows differ: they stay 0.
      expect(Array.from(none.traj.subarray(t.values, t.values + rows)).every((v) => v === 0)).toBe(true);
      none.traj.set(perStep.traj.subarray(t.values, t.values + rows), t.values);
      expect(Buffer.from(none.traj.buffer).equals(Buffer.from(perStep.traj.buffer)), `${id} N=${N} without values`).toBe(true);
    }
  });

  it('stores log-probs consistent with the stored logits and actions', async () => {
    const { traj, layout: t } = await collect(getEnv('Acrobot-v1'), { N: 32, T: 16 });
    for (let i = 0; i < 32 * 16; i++) {
      const z = Array.from(traj.subarray(t.dist + 3 * i, t.dist + 3 * i + 3));
      const m = Math.max(...z), lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
      const a = traj[t.actions + i];
      expect([0, 1, 2]).toContain(a);
      expect(traj[t.logp + i]).toBeCloseTo(z[a] - lse, 5);
    }
  });

  it('runs N = 1 and N = 65,536 environments', async () => {
    const env = getEnv('CartPole-v1');
    const one = await collect(env, { N: 1, T: 8 });
    expect(one.traj[one.layout.rewards]).toBe(1);
    const big = await collect(env, { N: 65_536, T: 2 }, [8]);
    let sum = 0;
    for (let i = 0; i < 2 * 65_536; i++) sum += big.traj[big.layout.rewards + i];
    expect(sum).toBe(2 * 65_536);
  });

  it('runs a deep, wide actor (7 layers: 256-256-128-128-64-64)', async () => {
    const { traj, layout: t } = await collect(getEnv('CartPole-v1'), { N: 8, T: 4 }, [256, 256, 128, 128, 64, 64]);
    for (let i = 0; i < 32; i++) expect(Number.isFinite(traj[t.values + i]) && Number.isFinite(traj[t.logp + i])).toBe(true);
  });

  it('rejects bad input with errors that name the problem', async () => {
    const dev = await getDevice();
    expect(() => getEnv('CartPol-v1')).toThrow(/unknown environment 'CartPol-v1'.*CartPole-v1/);
    const env = getEnv('CartPole-v1');
    const layout = policyLayout(env, { actorHidden: [8], criticHidden: [8], activation: 'tanh' });
    const params = dev.upload('params', initPolicyParams(layout, 1));
    const base = { seed: 1, bootstrapTruncation: false, obsNorm: false, rewardNorm: false, gamma: 0.99, activation: 'tanh' as const };
    expect(() => new Rollout(dev, env, layout, params, { ...base, N: 0, T: 8 })).toThrow(/N must be a positive integer/);
    expect(() => new Rollout(dev, env, layout, params, { ...base, N: 4, T: 0 })).toThrow(/T must be a positive integer/);
    expect(() => new Rollout(dev, env, layout, params, { ...base, N: 1 << 22, T: 128 })).toThrow(/adapter allows|fewer environments/);
    expect(() => new Rollout(dev, env, layout, params, { ...base, N: 4, T: 8, values: 'batch' as never })).toThrow(/values must be one of 'batched', 'per-step', 'none', got "batch"/);
    expect(() => new Rollout(dev, env, layout, params, { ...base, N: 4, T: 8, groupSize: 2, values: 'batched' })).toThrow(/batched values need continuing environments.*'per-step'/);
    const broken: EnvSpec = { ...env, id: 'Broken-v0', wgsl: 'alias EnvState = array<f32, 4>;' };
    expect(() => new Rollout(dev, broken, layout, params, { ...base, N: 4, T: 8 })).toThrow(/Broken-v0.*env_reset/);
    expect(() => new Trainer(dev, { numEnvs: 4, numSteps: 8, numMinibatches: 64 })).toThrow(/num-minibatches/);
    params.destroy();
  });
});

describe('a custom WGSL environment defined outside src/', () => {
  it('trains through the public API and learns to reach the goal', async () => {
    const dev = await getDevice();
    const corridor: EnvSpec = {
      id: 'Corridor-v0', wgsl: readFileSync(new URL('../examples/corridor.wgsl', import.meta.url), 'utf8'),
      stateDim: 2, obsDim: 2, action: { type: 'discrete', n: 2 }, maxEpisodeSteps: 30,
    };
    const trainer = new Trainer(dev, { algo: 'spo', numEnvs: 32, numSteps: 32, numMinibatches: 4, updateEpochs: 4, learningRate: 3e-3, totalTimesteps: 32 * 32 * 16, seed: 2 }, corridor);
    // Episodes last up to 30 steps; the first rollout may end none.
    let first: number | null = null, last: number | null = null;
    while (!trainer.done) {
      const m = await trainer.iterate();
      first ??= m['charts/episodic_return'];
      last = m['charts/mean_return_100'];
    }
    // A random walk seldom makes the 10 net steps to +1 within 30 (return about -0.2);
    // walking straight there returns about 0.9.
    expect(first!).toBeLessThan(0);
    expect(last!).toBeGreaterThan(0.6);
  });
});
