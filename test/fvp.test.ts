// TRPO's Fisher-vector product (src/nn/fvp.ts, shaders/fisher.wgsl): the f64 reference against
// finite differences (of the actor's output for J·v, of the mean-KL gradient for Hv), then the
// GPU against the reference on random shapes, discrete and Gaussian policies.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { getEnv } from '../src/envs/spec.js';
import { policyLayout, type PolicyLayout } from '../src/nn/policy.js';
import { mlpForwardRef } from '../src/reference/mlp.js';
import { actorJvpRef, fisherVectorProductRef, meanKlGradientRef } from '../src/reference/fvp.js';
import { fisherVectorProduct } from '../src/nn/fvp.js';
import { runDispatches } from '../src/gpu/kernel.js';
import type { Activation } from '../src/kernels/matmul.js';

/** Indices of the entries Hv has: the actor's weights and biases, and the log-std. */
function actorIndices(L: PolicyLayout): number[] {
  const idx: number[] = [];
  for (let l = 0; l + 1 < L.actor.dims.length; l++) {
    const nin = L.actor.dims[l], nout = L.actor.dims[l + 1];
    for (let k = 0; k < nin * nout; k++) idx.push(L.actor.w[l] + k);
    for (let k = 0; k < nout; k++) idx.push(L.actor.b[l] + k);
  }
  if (L.continuous) for (let j = 0; j < L.outDim; j++) idx.push(L.logstd + j);
  return idx;
}

function randomCase(r: () => number, envId: string, hidden: number[], act: Activation, B: number) {
  const env = getEnv(envId), L = policyLayout(env, { actorHidden: hidden, criticHidden: [3], activation: act });
  const params = randArray(r, L.size, -0.8, 0.8), v = randArray(r, L.size, -1, 1);
  const obs = randArray(r, B * env.obsDim, -1.5, 1.5);
  return { env, L, params, v, obs };
}

describe('Fisher-vector product', () => {
  it('f64 reference: J·v matches a finite difference of the actor output along v', () => {
    const r = rng(31);
    for (const [envId, hidden, act] of [['CartPole-v1', [5, 3], 'tanh'], ['Pendulum-v1', [4], 'relu'], ['Acrobot-v1', [6, 2, 3], 'tanh']] as const) {
      const B = 3, { L, params, v, obs } = randomCase(r, envId, [...hidden], act, B);
      const jv = actorJvpRef(L, params, obs, B, act, v);
      const h = 1e-6, at = (s: number) => mlpForwardRef(L.actor, Float64Array.from(params, (p, i) => p + s * v[i]), obs, B, act).at(-1)!;
      const plus = at(h), minus = at(-h);
      for (let k = 0; k < jv.length; k++) expect(Math.abs((plus[k] - minus[k]) / (2 * h) - jv[k]), `${envId} J·v[${k}]`).toBeLessThan(1e-6);
    }
  });

  it('f64 reference: Hv matches a finite difference of the mean-KL gradient at θ_old (its Hessian there)', () => {
    const r = rng(32);
    for (const [envId, hidden, act] of [['CartPole-v1', [4, 4], 'tanh'], ['Acrobot-v1', [3], 'tanh'], ['Pendulum-v1', [5, 3], 'tanh'], ['MountainCarContinuous-v0', [2], 'relu']] as const) {
      const B = 4, { L, params, v, obs } = randomCase(r, envId, [...hidden], act, B);
      const hv = fisherVectorProductRef(L, params, obs, B, act, v);
      const h = 1e-5, at = (s: number) => meanKlGradientRef(L, params, Float64Array.from(params, (p, i) => p + s * v[i]), obs, B, act);
      const plus = at(h), minus = at(-h);
      for (const i of actorIndices(L)) {
        const fd = (plus[i] - minus[i]) / (2 * h);
        expect(Math.abs(fd - hv[i]), `${envId} Hv[${i}]: fd ${fd} vs ${hv[i]}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
      }
    }
  });

  it('GPU equals the f64 reference on random shapes (B = 1, widths off the tile sizes), discrete and Gaussian', async () => {
    const dev = await getDevice();
    const r = rng(33);
    const envs = ['CartPole-v1', 'Acrobot-v1', 'Pendulum-v1', 'MountainCarContinuous-v0'];
    for (let trial = 0; trial < 12; trial++) {
      const envId = envs[trial % envs.length], act: Activation = trial % 3 === 2 ? 'relu' : 'tanh';
      const hidden = Array.from({ length: randInt(r, 1, 3) }, () => [1, 3, 5, 8, 9, 16][randInt(r, 0, 5)]);
      const B = [1, 3, 13, 70][trial % 4];
      const { L, params, v, obs } = randomCase(r, envId, hidden, act, B);
      const bufs = { obs: dev.upload('obs', obs), params: dev.upload('params', params), v: dev.upload('v', v), hv: dev.upload('hv', new Float32Array(L.size)) };
      runDispatches(dev, 'fvp test', fisherVectorProduct(dev, { layout: L, B, activation: act }, { obs: { buffer: bufs.obs, offset: 0 }, params: bufs.params, v: bufs.v, hv: bufs.hv }));
      const got = await dev.readF32(bufs.hv, L.size);
      const want = fisherVectorProductRef(L, params, obs, B, act, v);
      const idx = actorIndices(L);
      const scale = Math.max(...idx.map((i) => Math.abs(want[i])));
      expectClose(idx.map((i) => got[i]), idx.map((i) => want[i]), 2e-5 * scale + 1e-7, 1e-3, `${envId} [${hidden}] ${act} B=${B}`);
      // The critic's entries are not the FVP's.
      expect(got.subarray(L.critic.offset, L.critic.offset + L.critic.size).every((x) => x === 0)).toBe(true);
      Object.values(bufs).forEach((b) => b.destroy());
    }
  });
});
