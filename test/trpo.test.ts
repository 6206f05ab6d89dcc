// TRPO (src/algos/trpo.ts): the line search against an f64 evaluation of the same candidates on
// the same batch, the step's trust region, bad input, exact resume, and a short learning run.
import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { getDevice, scratchDir, metricsWithoutSps } from './helpers.js';
import { Trainer } from '../src/train/trainer.js';
import { runTraining } from '../src/train/run.js';
import { makeConfig, ConfigError } from '../src/train/config.js';
import { actionDim } from '../src/envs/spec.js';
import { mlpForwardRef } from '../src/reference/mlp.js';
import { DIAGNOSTICS } from '../src/algos/on_policy.js';
import { DIAG_STRIDE, align64 } from '../src/algos/trpo.js';
import type { TrainConfig } from '../src/train/config.js';

/** f64 mean KL(π_old‖π_cand) and loss −mean(r·Â) over the gathered batch for one candidate vector. */
function candidateRef(t: Trainer, mb: Float32Array, oldParams: Float32Array, cand: Float32Array) {
  const L = t.layout, env = t.env, B = t.batchSize, O = env.obsDim, D = actionDim(env), OUT = L.outDim;
  const obs = mb.subarray(0, B * O), actions = mb.subarray(B * O, B * (O + D)), logpOld = mb.subarray(B * (O + D), B * (O + D + 1));
  const oldHead = mb.subarray(B * (O + D + 1), B * (O + D + 1 + OUT)), advRaw = mb.subarray(B * (O + D + 1 + OUT), B * (O + D + 1 + OUT) + B);
  const mean = advRaw.reduce((s, x) => s + x, 0) / B;
  const std = Math.sqrt(advRaw.reduce((s, x) => s + (x - mean) ** 2, 0) / (B - 1));
  const head = mlpForwardRef(L.actor, cand, obs, B, t.config.activation).at(-1)!;
  let kl = 0, surrogate = 0;
  for (let b = 0; b < B; b++) {
    let logp: number, d = 0;
    if (L.continuous) {
      logp = 0;
      for (let j = 0; j < D; j++) {
        const ls = cand[L.logstd + j], lsOld = oldParams[L.logstd + j], mu = head[b * OUT + j], muOld = oldHead[b * OUT + j];
        logp += -((actions[b * D + j] - mu) ** 2) / (2 * Math.exp(2 * ls)) - ls - 0.5 * Math.log(2 * Math.PI);
        d += ls - lsOld + (Math.exp(2 * lsOld) + (muOld - mu) ** 2) / (2 * Math.exp(2 * ls)) - 0.5;
      }
    } else {
      const lse = (z: ArrayLike<number>) => { const m = Math.max(...Array.from(z)); return m + Math.log(Array.from(z).reduce((s, x) => s + Math.exp(x - m), 0)); };
      const z = head.subarray(b * OUT, (b + 1) * OUT), zo = oldHead.subarray(b * OUT, (b + 1) * OUT);
      const l = lse(z), lo = lse(zo);
      logp = z[actions[b]] - l;
      for (let i = 0; i < OUT; i++) d += Math.exp(zo[i] - lo) * ((zo[i] - lo) - (z[i] - l));
    }
    kl += d / B;
    surrogate += Math.exp(logp - logpOld[b]) * (advRaw[b] - mean) / (std + 1e-8) / B;
  }
  return { kl, loss: -surrogate };
}

describe('TRPO', () => {
  // δ = 5 with this seed rejects the full step (the first candidate is taken for δ = 0.01), and
  // with a single candidate no step at all: the three outcomes of the line search.
  for (const [env, maxKl, candidates, outcome] of [['CartPole-v1', 0.01, 10, 0], ['CartPole-v1', 5, 10, 1], ['CartPole-v1', 5, 1, -1], ['Pendulum-v1', 0.01, 10, 0]] as const) {
    it(`${env}, δ = ${maxKl}, ${candidates} candidates: the line search takes the candidate an f64 evaluation of the same batch takes`, async () => {
      const dev = await getDevice();
      const t = new Trainer(dev, { env, algo: 'trpo', seed: 5, numEnvs: 4, numSteps: 32, numMinibatches: 2, updateEpochs: 2, trpoMaxKl: maxKl, lineSearchMaxSteps: candidates, totalTimesteps: 128 * 4 });
      // A first iteration moves the policy away from its initial near-uniform state.
      await t.iterate();
      const P = t.layout.size, K = t.config.lineSearchMaxSteps;
      const oldParams = await dev.readF32(t.params, P);
      const m = await t.iterate();
      const named = t.plan.named!;
      const mb = await dev.readF32(named.batch), cands = await dev.readF32(named.candidates), stats = await dev.readF32(named.candidateStats);
      const newParams = await dev.readF32(t.params, P);
      let expected = -1;
      const stride = align64(P);
      for (let k = 0; k < K; k++) {
        const cand = cands.subarray(k * stride, k * stride + P);
        const ref = candidateRef(t, mb, oldParams, cand);
        const gpuLoss = stats[k * DIAG_STRIDE + DIAGNOSTICS.offset.policyLoss], gpuKl = stats[k * DIAG_STRIDE + DIAGNOSTICS.offset.averageKld];
        expect(Math.abs(gpuKl - ref.kl), `candidate ${k} KL ${gpuKl} vs ${ref.kl}`).toBeLessThan(1e-5 + 1e-3 * ref.kl);
        expect(Math.abs(gpuLoss - ref.loss), `candidate ${k} loss ${gpuLoss} vs ${ref.loss}`).toBeLessThan(1e-5 + 1e-3 * Math.abs(ref.loss));
        // Candidate k is θ_old + shrink^k·(candidate 0 − θ_old).
        if (k > 0) for (const i of [0, 5, t.layout.actor.b[0]]) expect(cand[i] - oldParams[i]).toBeCloseTo(0.8 ** k * (cands[i] - oldParams[i]), 5);
        if (expected < 0 && ref.kl <= maxKl && ref.loss < m['losses/policy_loss']) expected = k;
      }
      const accepted = (m as unknown as Record<string, number>)['losses/line_search_step'];
      expect(accepted, `accepted candidate (f64 evaluation says ${expected})`).toBe(expected);
      expect(expected, 'the case exercises the outcome it is meant to').toBe(outcome);
      const actorEnd = t.layout.actor.offset + t.layout.actor.size;
      const want = expected < 0 ? oldParams : cands.subarray(expected * stride, expected * stride + P);
      expect(Array.from(newParams.subarray(0, actorEnd))).toEqual(Array.from(want.subarray(0, actorEnd)));
      if (expected >= 0) expect(m['charts/average_kld']).toBeLessThanOrEqual(maxKl);
    });
  }

  it('bad TRPO settings are refused before any GPU work, naming the flag', () => {
    const c = (o: Partial<TrainConfig>) => () => makeConfig({ algo: 'trpo', ...o }, false);
    expect(c({ trpoMaxKl: 0 })).toThrow(/--trpo-max-kl = 0: must be > 0/);
    expect(c({ trpoMaxKl: -0.01 })).toThrow(ConfigError);
    expect(c({ cgMaxSteps: 0 })).toThrow(/--cg-max-steps = 0: must be a positive integer/);
    expect(c({ cgDamping: -0.1 })).toThrow(/--cg-damping = -0.1: must be >= 0/);
    expect(c({ lineSearchShrink: 1 })).toThrow(/--line-search-shrink = 1: must be in \(0, 1\)/);
    expect(c({ lineSearchMaxSteps: 0 })).toThrow(/--line-search-max-steps = 0/);
    expect(makeConfig({ algo: 'trpo' }, false)).toMatchObject({ learningRate: 1e-3, updateEpochs: 10, trpoMaxKl: 0.01, cgDamping: 0.1, cgMaxSteps: 15 });
  });

  it('a resumed TRPO run gives exactly the metrics of an uninterrupted one', async () => {
    const dev = await getDevice();
    const tiny: Partial<TrainConfig> = { env: 'CartPole-v1', algo: 'trpo', numEnvs: 4, numSteps: 16, numMinibatches: 2, updateEpochs: 2, totalTimesteps: 64 * 6, seed: 3 };
    const root = scratchDir('wgrl-trpo-'), a = join(root, 'a'), b = join(root, 'b');
    await runTraining(dev, tiny, { runDir: a });
    await runTraining(dev, tiny, { runDir: b, maxIterations: 3, checkpointEvery: 100 });
    await runTraining(dev, {}, { runDir: b, resume: true });
    expect(metricsWithoutSps(b)).toEqual(metricsWithoutSps(a));
  });

  it('learns CartPole: well above a random policy (return ~22) within 20k steps', async () => {
    const dev = await getDevice();
    const t = new Trainer(dev, { env: 'CartPole-v1', algo: 'trpo', seed: 1, totalTimesteps: 512 * 40 });
    while (!t.done) await t.iterate();
    expect(t.meanReturn100!).toBeGreaterThan(100);
  });
});
