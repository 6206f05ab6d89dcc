// Finite differences of the trainer's fused policy/value loss kernel (shaders/train.wgsl):
// L = mean(-obj) + vfCoef·mean(value loss) - entCoef·mean(entropy), differentiated w.r.t. the
// policy head (logits or means), the values and the Gaussian log-std.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray } from './helpers.js';
import { Kernel, grid, runDispatches } from '../src/gpu/kernel.js';
import { getEnv } from '../src/envs/spec.js';
import { policyLayout } from '../src/nn/policy.js';
import { scalarsRecord } from '../src/train/trainer.js';
import { composeTrainModule, coefField } from '../src/gpu/compose.js';
import { ALGOS, getAlgorithm } from '../src/algos/registry.js';
import { TRAIN_PARAMS, DIAGNOSTICS, UPDATE_METRICS } from '../src/algos/on_policy.js';

describe('fused policy/value loss', () => {
  for (const id of ['Acrobot-v1', 'Pendulum-v1']) {
    // A critic-free algorithm has its own loss kernel (GRPO: test/grpo.test.ts).
    for (const algo of ALGOS.filter((a) => getAlgorithm(a).critic !== false)) {
      it(`${id} ${algo}: gradients agree with finite differences of the loss`, async () => {
        const dev = await getDevice();
        const env = getEnv(id), layout = policyLayout(env, { actorHidden: [4], criticHidden: [4], activation: 'tanh' });
        const continuous = env.action.type === 'continuous';
        const B = 7, O = env.obsDim, OUT = layout.outDim, D = continuous ? OUT : 1;
        const r = rng(ALGOS.indexOf(algo) * 13 + O);
        const vfCoef = 0.5, entCoef = 0.05;
        const head = randArray(r, B * OUT, -1, 1), value = randArray(r, B, -1, 1);
        const params = new Float32Array(layout.size);
        if (continuous) params.set(randArray(r, D, -0.7, 0.2), layout.logstd);
        // Minibatch sections: obs, actions, logp_old, old head, advantages, returns, old values.
        // Spread enough that d exceeds spo-kl's d_max = 0.02 in some rows and not in others.
        const oldHead = Float32Array.from(head, (x) => x + 1.2 * (r() - 0.5));
        const actions = continuous ? randArray(r, B * D, -1.5, 1.5) : Float32Array.from({ length: B }, () => Math.floor(r() * OUT));
        const logpOld = Float32Array.from({ length: B }, () => -1 - r());
        const mb = new Float32Array(B * (O + D + 1 + OUT + 3));
        mb.set(actions, B * O); mb.set(logpOld, B * (O + D)); mb.set(oldHead, B * (O + D + 1));
        mb.set(randArray(r, B, -2, 2), B * (O + D + 1 + OUT));
        mb.set(randArray(r, B, -1, 1), B * (O + D + 1 + OUT) + B);
        mb.set(Float32Array.from(value, (v) => v + 0.4 * (r() - 0.5)), B * (O + D + 1 + OUT) + 2 * B);
        const algorithm = getAlgorithm(algo), rec = scalarsRecord(algorithm, D);
        const scalars = new Float32Array(rec.size);
        scalars[rec.offset.advMean] = 0.1;
        scalars[rec.offset.advVar] = 1.3;
        Object.assign(scalars, { [rec.offset.clipCoef]: 0.2, [rec.offset.entCoef]: entCoef, [rec.offset.vfCoef]: vfCoef, [rec.offset.gamma]: 0.99, [rec.offset.gaeLambda]: 0.95 });
        // β = 2 so ppo-kl's KL term is not small.
        const coefs: Record<string, number> = { eps: 0.2, beta: 2, dmax: 0.02 };
        for (const k of algorithm.objective.coefficients) scalars[rec.offset[coefField(k)]] = coefs[k];
        if (continuous) scalars.set(Array.from(params.subarray(layout.logstd, layout.logstd + D), (x) => x + 0.1), rec.offset.oldLogstd);
        const code = composeTrainModule(env, layout, algorithm.objective, { params: TRAIN_PARAMS, scalars: rec, diagnostics: DIAGNOSTICS, metrics: UPDATE_METRICS });
        const kernel = new Kernel(dev, 'fused loss test', code, 'policy_value_loss', { CLIP_VALUE: true, NORM_ADV: true });
        const uniforms = TRAIN_PARAMS.uniforms({
          T: 1, N: B, B, permOffset: 0, offObs: 0, offActions: 0, offLogp: 0, offDist: 0, offValues: 0, offRewards: 0, offTerm: 0,
          offTrunc: 0, offFinalValues: 0, offAdv: 0, offReturns: 0, logstdOff: Math.max(layout.logstd, 0),
          // One agent: no per-agent strides.
          agentTraj: 0, agentPerm: 0, agentMb: 0, agentMetrics: 0, agentScalars: 0, agentParams: 0, agentHead: 0, agentValue: 0, agentDhead: 0, agentDiag: 0,
        });
        const DIAG = DIAGNOSTICS.length, at = DIAGNOSTICS.offset;
        const bufs = { mb: dev.upload('mb', mb), scalars: dev.upload('scalars', scalars), dhead: dev.buffer('dhead', B * (OUT + 1 + D) * 4), diag: dev.buffer('diag', B * DIAG * 4) };
        async function evaluate(h: Float32Array, v: Float32Array, p: Float32Array) {
          const hb = dev.upload('head', h), vb = dev.upload('value', v), pb = dev.upload('params', p);
          const binds: Record<number, GPUBuffer> = { 1: bufs.mb, 2: hb, 3: vb, 5: bufs.scalars, 6: bufs.dhead, 7: bufs.diag };
          if (continuous) binds[4] = pb;
          runDispatches(dev, 'fused loss', [kernel.bind(binds, uniforms, grid(B, 64))]);
          const diag = await dev.readF32(bufs.diag, B * DIAG), grad = await dev.readF32(bufs.dhead, B * (OUT + 1 + D));
          [hb, vb, pb].forEach((b) => b.destroy());
          let loss = 0;
          for (let b = 0; b < B; b++) loss += (diag[b * DIAG + at.policyLoss] + vfCoef * diag[b * DIAG + at.valueLoss] - entCoef * diag[b * DIAG + at.entropy]) / B;
          return { loss, grad };
        }
        const base = await evaluate(head, value, params);
        const eps = 2e-3;
        const fd = async (perturb: (s: number) => [Float32Array, Float32Array, Float32Array]) =>
          ((await evaluate(...perturb(eps))).loss - (await evaluate(...perturb(-eps))).loss) / (2 * eps);
        for (let k = 0; k < B * OUT; k++) {
          const g = await fd((s) => { const h = head.slice(); h[k] += s; return [h, value, params]; });
          expect(Math.abs(g - base.grad[k]), `d/dhead[${k}]: fd ${g} vs ${base.grad[k]}`).toBeLessThan(5e-4 + 1e-2 * Math.abs(g));
        }
        for (let b = 0; b < B; b++) {
          const g = await fd((s) => { const v = value.slice(); v[b] += s; return [head, v, params]; });
          expect(Math.abs(g - base.grad[B * OUT + b]), `d/dvalue[${b}]`).toBeLessThan(5e-4 + 1e-2 * Math.abs(g));
        }
        if (continuous) {
          for (let j = 0; j < D; j++) {
            const g = await fd((s) => { const p = params.slice(); p[layout.logstd + j] += s; return [head, value, p]; });
            let sum = 0;
            for (let b = 0; b < B; b++) sum += base.grad[B * (OUT + 1) + b * D + j];
            expect(Math.abs(g - sum), `d/dlogstd[${j}]: fd ${g} vs ${sum}`).toBeLessThan(5e-4 + 1e-2 * Math.abs(g));
          }
        }
        Object.values(bufs).forEach((b) => b.destroy());
      });
    }
  }
});
