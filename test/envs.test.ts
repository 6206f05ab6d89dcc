import { describe, it, expect } from 'vitest';
import { getDevice, rng } from './helpers.js';
import { getEnv, ENV_IDS, actionDim, type EnvSpec } from '../src/envs/spec.js';
import { REFERENCE_ENVS } from '../src/envs/reference.js';
import { envStep, envReset, envStepWidth } from '../src/envs/batch.js';
import { runDispatches } from '../src/gpu/kernel.js';
import { Rollout } from '../src/train/rollout.js';
import { policyLayout, initPolicyParams } from '../src/nn/policy.js';

const PI = Math.PI;
/** Random states covering each environment's reachable region (and its boundaries). */
const STATE_SAMPLERS: Record<string, (r: () => number) => number[]> = {
  'CartPole-v1': (r) => [4.8 * r() - 2.4, 6 * r() - 3, 0.42 * r() - 0.21, 6 * r() - 3],
  'Acrobot-v1': (r) => [2 * PI * r() - PI, 2 * PI * r() - PI, 10 * r() - 5, 20 * r() - 10],
  'MountainCar-v0': (r) => [1.8 * r() - 1.2, 0.14 * r() - 0.07],
  'Pendulum-v1': (r) => [4 * PI * r() - 2 * PI, 16 * r() - 8],
  'MountainCarContinuous-v0': (r) => [1.8 * r() - 1.2, 0.14 * r() - 0.07],
  'SortDigits-v0': sortState,
  'SortDigitsExact-v0': sortState,
};
/** A prompt, t ∈ {0…3} digits written so far (often the sorted prompt, so exact matches occur), the rest −1. */
function sortState(r: () => number): number[] {
  const prompt = [0, 1, 2, 3].map(() => Math.floor(r() * 10)), t = Math.floor(r() * 4);
  const sorted = [...prompt].sort((a, b) => a - b), good = r() < 0.5;
  const out = [0, 1, 2, 3].map((k) => (k < t ? (good ? sorted[k] : Math.floor(r() * 10)) : -1));
  return [...prompt, ...out, t];
}
/** Actions: uniform, except that half the time the sorted prompt's next digit (exact matches get exercised). */
function sortAction(s: number[], r: () => number): number {
  return r() < 0.5 ? [...s.slice(0, 4)].sort((a, b) => a - b)[s[8]] : Math.floor(r() * 10);
}
/** Discrete: uniform over actions. Continuous: U(low - 1, high + 1), so clipping is exercised. */
function randomAction(env: EnvSpec, r: () => number): number[] {
  const a = env.action;
  if (a.type === 'discrete') return [Math.floor(r() * a.n)];
  return a.low.map((lo, j) => lo - 1 + (a.high[j] - lo + 2) * r());
}

/** Angles are compared on the circle (wrapping at ±π may differ between f32 and f64). */
function stateDiff(id: string, k: number, a: number, b: number): number {
  const d = Math.abs(a - b);
  return id === 'Acrobot-v1' && k < 2 ? Math.min(d, Math.abs(d - 2 * PI)) : d;
}

async function gpuStep(env: EnvSpec, states: Float32Array, actions: Float32Array, R: number): Promise<Float32Array> {
  const dev = await getDevice();
  const b = { states: dev.upload('states', states), actions: dev.upload('actions', actions), out: dev.buffer('out', R * envStepWidth(env) * 4) };
  runDispatches(dev, 'env step', [envStep(dev, env, R, b)]);
  const out = await dev.readF32(b.out, R * envStepWidth(env));
  Object.values(b).forEach((x) => x.destroy());
  return out;
}

describe('GPU environments against f64 Gymnasium references', () => {
  for (const id of ENV_IDS) {
    it(`${id}: single steps from 10,000 random states`, async () => {
      const env = getEnv(id), ref = REFERENCE_ENVS[id], r = rng(id.length * 101);
      const R = 10_000, S = env.stateDim, A = actionDim(env), W = envStepWidth(env);
      const states = new Float32Array(R * S), actions = new Float32Array(R * A);
      for (let i = 0; i < R; i++) {
        const st = STATE_SAMPLERS[id](r);
        states.set(st, i * S);
        actions.set(id.startsWith('SortDigits') ? [sortAction(st, r)] : randomAction(env, r), i * A);
      }
      const out = await gpuStep(env, states, actions, R);
      let compared = 0;
      for (let i = 0; i < R; i++) {
        const s = Array.from(states.subarray(i * S, (i + 1) * S));
        const a = env.action.type === 'discrete' ? actions[i] : Array.from(actions.subarray(i * A, (i + 1) * A));
        const want = ref.step(s, a);
        const row = out.subarray(i * W, (i + 1) * W);
        for (let k = 0; k < S; k++) {
          const tol = 2e-5 * (1 + Math.abs(want.state[k]));
          if (!(stateDiff(id, k, row[k], want.state[k]) <= tol)) expect.fail(`${id} row ${i} state[${k}]: gpu ${row[k]} ref ${want.state[k]} from ${s} action ${a}`);
        }
        for (let k = 0; k < env.obsDim; k++) {
          if (!(Math.abs(row[S + k] - want.obs[k]) <= 5e-5 * (1 + Math.abs(want.obs[k])))) expect.fail(`${id} row ${i} obs[${k}]: gpu ${row[S + k]} ref ${want.obs[k]}`);
        }
        if (!(Math.abs(row[S + env.obsDim] - want.reward) <= 1e-4 * (1 + Math.abs(want.reward)))) expect.fail(`${id} row ${i} reward: gpu ${row[S + env.obsDim]} ref ${want.reward}`);
        // Termination may differ only where the f64 state sits within f32 rounding of the boundary.
        const gpuTerm = row[S + env.obsDim + 1] === 1;
        if (gpuTerm !== want.terminated) {
          const nearEdge = ref.step(s.map((x) => x * (1 + 1e-6)), a).terminated !== want.terminated || ref.step(s.map((x) => x * (1 - 1e-6)), a).terminated !== want.terminated;
          if (!nearEdge) expect.fail(`${id} row ${i}: terminated gpu ${gpuTerm} ref ${want.terminated} from ${s}`);
        }
        compared++;
      }
      expect(compared).toBe(R);
    });

    it(`${id}: 10-step rollouts stay within f32 drift of the reference`, async () => {
      const env = getEnv(id), ref = REFERENCE_ENVS[id], r = rng(id.length * 7);
      const R = 500, S = env.stateDim, A = actionDim(env), W = envStepWidth(env);
      let gpu = new Float32Array(R * S);
      const cpu: number[][] = [];
      const alive = new Array(R).fill(true);
      for (let i = 0; i < R; i++) { const s = ref.reset([r(), r(), r(), r()]); cpu.push(s); gpu.set(s, i * S); }
      for (let t = 0; t < 10; t++) {
        const actions = new Float32Array(R * A);
        for (let i = 0; i < R; i++) actions.set(randomAction(env, r), i * A);
        const out = await gpuStep(env, gpu, actions, R);
        const next = new Float32Array(R * S);
        for (let i = 0; i < R; i++) {
          next.set(out.subarray(i * W, i * W + S), i * S);
          if (!alive[i]) continue;
          const a = env.action.type === 'discrete' ? actions[i] : Array.from(actions.subarray(i * A, (i + 1) * A));
          const w = ref.step(cpu[i], a);
          cpu[i] = w.state;
          for (let k = 0; k < S; k++) {
            if (!(stateDiff(id, k, out[i * W + k], w.state[k]) <= 1e-4 * (1 + Math.abs(w.state[k])) * (t + 1))) {
              expect.fail(`${id} env ${i} step ${t} state[${k}]: gpu ${out[i * W + k]} ref ${w.state[k]}`);
            }
          }
          if (w.terminated) alive[i] = false;
        }
        gpu = next;
      }
    });

    it(`${id}: reset distribution matches Gymnasium's`, async () => {
      const dev = await getDevice();
      const env = getEnv(id), R = 20_000, S = env.stateDim, W = S + env.obsDim;
      const out = dev.buffer('resets', R * W * 4);
      runDispatches(dev, 'reset', [envReset(dev, env, R, { seed: 3, counter: 0 }, { out })]);
      const x = await dev.readF32(out, R * W);
      out.destroy();
      if (id.startsWith('SortDigits')) {
        // Each prompt digit uniform over 0…9 (χ² with 9 degrees of freedom, 99.9 %: 27.9); output empty; t = 0.
        for (let k = 0; k < 4; k++) {
          const counts = new Array(10).fill(0);
          for (let i = 0; i < R; i++) counts[x[i * W + k]]++;
          const chi2 = counts.reduce((a, c) => a + (c - R / 10) ** 2 / (R / 10), 0);
          expect(chi2).toBeLessThan(27.9);
        }
        for (let i = 0; i < R; i++) expect([x[i * W + 4], x[i * W + 5], x[i * W + 6], x[i * W + 7], x[i * W + 8]]).toEqual([-1, -1, -1, -1, 0]);
        return;
      }
      // Uniform ranges of every state component (0-width: a constant).
      const ranges: Record<string, [number, number][]> = {
        'CartPole-v1': [[-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05], [-0.05, 0.05]],
        'Acrobot-v1': [[-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1], [-0.1, 0.1]],
        'MountainCar-v0': [[-0.6, -0.4], [0, 0]],
        'Pendulum-v1': [[-PI, PI], [-1, 1]],
        'MountainCarContinuous-v0': [[-0.6, -0.4], [0, 0]],
      };
      ranges[id].forEach(([lo, hi], k) => {
        let m = 0, v = 0, mn = Infinity, mx = -Infinity;
        for (let i = 0; i < R; i++) { const y = x[i * W + k]; m += y; mn = Math.min(mn, y); mx = Math.max(mx, y); }
        m /= R;
        for (let i = 0; i < R; i++) v += (x[i * W + k] - m) ** 2;
        v /= R - 1;
        expect(mn).toBeGreaterThanOrEqual(lo - 1e-6);
        expect(mx).toBeLessThanOrEqual(hi + 1e-6);
        const sd = (hi - lo) / Math.sqrt(12);
        expect(Math.abs(m - (lo + hi) / 2)).toBeLessThanOrEqual(5 * sd / Math.sqrt(R) + 1e-7);
        if (hi > lo) expect(Math.abs(v / (sd * sd) - 1)).toBeLessThan(0.05);
        // Kolmogorov-Smirnov against U(lo, hi), 99.9% critical value.
        if (hi > lo) {
          const col = Array.from({ length: R }, (_, i) => x[i * W + k]).sort((a, b) => a - b);
          let d = 0;
          col.forEach((y, i) => { const F = (y - lo) / (hi - lo); d = Math.max(d, Math.abs(F - i / R), Math.abs(F - (i + 1) / R)); });
          expect(d).toBeLessThan(1.95 / Math.sqrt(R));
        }
      });
    });
  }
});

describe('episode bookkeeping in the fused rollout', () => {
  async function rollout(id: string, N: number, T: number, seed = 5) {
    const dev = await getDevice();
    const env = getEnv(id);
    const layout = policyLayout(env, { actorHidden: [8], criticHidden: [8], activation: 'tanh' });
    const params = dev.upload('params', initPolicyParams(layout, seed));
    const ro = new Rollout(dev, env, layout, params, { N, T, seed, bootstrapTruncation: true, obsNorm: false, rewardNorm: false, gamma: 0.99, activation: 'tanh' });
    dev.submitEncoder('rollout', (enc) => { ro.clearEpisodeLog(enc); const p = enc.beginComputePass(); ro.resetKernel.encode(p); ro.rolloutKernel.encode(p); p.end(); });
    const traj = await dev.readF32(ro.trajBuffer);
    const eps = Rollout.decodeEpisodes(await dev.read(ro.episodes), 0, ro.logCapacity);
    return { env, ro, traj, eps, t: ro.traj };
  }

  it('CartPole: logged returns and lengths equal the stored rewards; terminated rows end out of bounds', async () => {
    const N = 16, T = 300;
    const { traj, eps, t } = await rollout('CartPole-v1', N, T);
    const expected: { ret: number; len: number; order: number }[] = [];
    for (let n = 0; n < N; n++) {
      let ret = 0, len = 0;
      for (let s = 0; s < T; s++) {
        const i = s * N + n;
        ret += traj[t.rewards + i]; len++;
        const term = traj[t.terminated + i] === 1, trunc = traj[t.truncated + i] === 1;
        expect(term && trunc).toBe(false);
        if (term) {
          const fo = traj.subarray(t.finalObs + i * 4, t.finalObs + i * 4 + 4);
          expect(Math.abs(fo[0]) > 2.4 || Math.abs(fo[2]) > 0.20943951).toBe(true);
        }
        if (term || trunc) { expected.push({ ret, len, order: i }); ret = 0; len = 0; }
      }
    }
    expected.sort((a, b) => a.order - b.order);
    expect(eps.count).toBe(expected.length);
    expect(eps.returns).toEqual(expected.map((e) => e.ret));
    expect(eps.lengths).toEqual(expected.map((e) => e.len));
  });

  it('MountainCar: a random policy is truncated at exactly 200 steps, never terminated', async () => {
    const N = 8, T = 450;
    const { traj, eps, t } = await rollout('MountainCar-v0', N, T);
    for (let n = 0; n < N; n++) {
      for (let s = 0; s < T; s++) {
        const i = s * N + n;
        expect(traj[t.terminated + i]).toBe(0);
        expect(traj[t.truncated + i]).toBe(s === 199 || s === 399 ? 1 : 0);
      }
    }
    expect(eps.count).toBe(2 * N);
    expect(new Set(eps.returns)).toEqual(new Set([-200]));
    expect(new Set(eps.lengths)).toEqual(new Set([200]));
  });
});
