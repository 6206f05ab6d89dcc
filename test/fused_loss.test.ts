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
import { matmul, ACTIVATION_CODE } from '../src/kernels/matmul.js';

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
          offHidActor: 0, offHidCritic: 0, offDhidActor: 0, offDhidCritic: 0, agentHidActor: 0, agentHidCritic: 0, agentDhid: 0,
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

// heads_and_loss (the on-policy plan's fused kernel) against what it replaces: the output
// layers' forward matmuls, policy_value_loss, and the output layers' dX matmuls gated by the
// hidden activation. Every sum runs in the same order, so the results must be the same bits;
// with B not a multiple of 4 (a partial last subgroup), widths that are not (the tail loops), a
// net without a hidden layer (its input is the observation, no input gradient), and both the
// plain and the subgroup reading of the shared weights.
describe('heads_and_loss', () => {
  const cases: { id: string; actor: number[]; critic: number[]; B: number; act: 'tanh' | 'relu' }[] = [
    { id: 'CartPole-v1', actor: [64, 64], critic: [64, 64], B: 128, act: 'tanh' },
    { id: 'Acrobot-v1', actor: [10], critic: [7, 6], B: 13, act: 'relu' },
    { id: 'Pendulum-v1', actor: [5], critic: [], B: 6, act: 'tanh' },
    { id: 'MountainCarContinuous-v0', actor: [], critic: [12], B: 9, act: 'tanh' },
  ];
  for (const k of cases) {
    it(`${k.id}, actor ${JSON.stringify(k.actor)}, critic ${JSON.stringify(k.critic)}, B = ${k.B}: bit for bit the unfused kernels`, async () => {
      const dev = await getDevice();
      const env = getEnv(k.id), L = policyLayout(env, { actorHidden: k.actor, criticHidden: k.critic, activation: k.act });
      const continuous = env.action.type === 'continuous';
      const { B } = k, O = env.obsDim, OUT = L.outDim, D = continuous ? OUT : 1;
      const r = rng(B * 31 + O);
      const algorithm = getAlgorithm('ppo'), rec = scalarsRecord(algorithm, D);
      const params = randArray(r, L.size, -0.5, 0.5);
      if (continuous) params.set(randArray(r, D, -0.7, 0.2), L.logstd);
      const scalars = new Float32Array(rec.size);
      Object.assign(scalars, { [rec.offset.advMean]: 0.1, [rec.offset.advVar]: 1.3, [rec.offset.clipCoef]: 0.2, [rec.offset.entCoef]: 0.01, [rec.offset.vfCoef]: 0.5 });
      scalars[rec.offset[coefField('eps')]] = 0.2;
      if (continuous) scalars.set(params.subarray(L.logstd, L.logstd + D), rec.offset.oldLogstd);
      const mb = randArray(r, B * (O + D + 1 + OUT + 3), -1, 1);
      if (!continuous) for (let b = 0; b < B; b++) mb[B * O + b] = Math.floor(r() * OUT);
      // The output layers' inputs: the last hidden layer (activations in (-1, 1), or ≥ 0 for relu), else the observations.
      const inputOf = (net: typeof L.actor) => net.dims.length > 2 ? randArray(r, B * net.dims[net.dims.length - 2], k.act === 'relu' ? 0 : -0.95, 0.95) : null;
      const hA = inputOf(L.actor), hC = inputOf(L.critic);
      const inA = L.actor.dims[L.actor.dims.length - 2], inC = L.critic.dims[L.critic.dims.length - 2];
      const results: Float32Array[][] = [];
      for (const fused of [true, false]) {
        for (const subgroupWeights of fused ? [false, true] : [false]) {
          const code = composeTrainModule(env, L, algorithm.objective, { params: TRAIN_PARAMS, scalars: rec, diagnostics: DIAGNOSTICS, metrics: UPDATE_METRICS }, [], { subgroupWeights });
          const constants = { CLIP_VALUE: true, NORM_ADV: true, HIDDEN_ACT: ACTIVATION_CODE[k.act] };
          const b = {
            mb: dev.upload('mb', mb), params: dev.upload('params', params), scalars: dev.upload('scalars', scalars),
            hA: dev.upload('hA', hA ?? new Float32Array(4)), hC: dev.upload('hC', hC ?? new Float32Array(4)),
            head: dev.buffer('head', B * OUT * 4), value: dev.buffer('value', B * 4), dhead: dev.buffer('dhead', B * (OUT + 1 + D) * 4),
            diag: dev.buffer('diag', B * DIAGNOSTICS.length * 4), dhid: dev.buffer('dhid', 2 * B * 64 * 4),
          };
          // The output layers read the observations section of the minibatch when a net has no hidden layer.
          const input = (h: Float32Array | null, buf: GPUBuffer) => (h ? { buffer: buf, offset: 0 } : { buffer: b.mb, offset: 0 });
          const xA = input(hA, b.hA), xC = input(hC, b.hC);
          const uniforms = TRAIN_PARAMS.uniforms({
            T: 1, N: B, B, permOffset: 0, offObs: 0, offActions: 0, offLogp: 0, offDist: 0, offValues: 0, offRewards: 0, offTerm: 0,
            offTrunc: 0, offFinalValues: 0, offAdv: 0, offReturns: 0, logstdOff: Math.max(L.logstd, 0),
            agentTraj: 0, agentPerm: 0, agentMb: 0, agentMetrics: 0, agentScalars: 0, agentParams: 0, agentHead: 0, agentValue: 0, agentDhead: 0, agentDiag: 0,
            offHidActor: 0, offHidCritic: 0, offDhidActor: 0, offDhidCritic: B * 64, agentHidActor: 0, agentHidCritic: 0, agentDhid: 0,
          });
          const ds = [];
          const lossBinds: Record<number, GPUBuffer> = { 1: b.mb, 2: b.head, 3: b.value, 4: b.params, 5: b.scalars, 6: b.dhead, 7: b.diag };
          if (fused) {
            ds.push(new Kernel(dev, 'heads_and_loss', code, 'heads_and_loss', constants)
              .bind({ ...lossBinds, 8: xA.buffer, 9: xC.buffer, 10: b.dhid }, uniforms, grid(B, 64)));
          } else {
            const la = L.actor.dims.length - 2, lc = L.critic.dims.length - 2;
            ds.push(matmul(dev, { M: B, K: inA, N: OUT, bias: true, variant: 'regblock' }, { a: xA.buffer, b: b.params, bias: b.params, c: b.head, offsets: { b: L.actor.w[la], bias: L.actor.b[la] } }));
            ds.push(matmul(dev, { M: B, K: inC, N: 1, bias: true, variant: 'regblock' }, { a: xC.buffer, b: b.params, bias: b.params, c: b.value, offsets: { b: L.critic.w[lc], bias: L.critic.b[lc] } }));
            // The discrete loss reads no parameters (binding 4 holds the log-std for Gaussian policies).
            if (!continuous) delete lossBinds[4];
            ds.push(new Kernel(dev, 'policy_value_loss', code, 'policy_value_loss', constants).bind(lossBinds, uniforms, grid(B, 64)));
            if (hA) ds.push(matmul(dev, { M: B, K: OUT, N: inA, transB: true, gate: k.act, variant: 'regblock' }, { a: b.dhead, b: b.params, c: b.dhid, gate: b.hA, offsets: { b: L.actor.w[la] } }));
            if (hC) ds.push(matmul(dev, { M: B, K: 1, N: inC, transB: true, gate: k.act, variant: 'regblock' }, { a: b.dhead, b: b.params, c: b.dhid, gate: b.hC, offsets: { a: B * OUT, b: L.critic.w[lc], c: B * 64 } }));
          }
          runDispatches(dev, 'heads and loss test', ds);
          results.push(await Promise.all([b.head, b.value, b.dhead, b.diag, b.dhid].map((x) => dev.readF32(x))));
          Object.values(b).forEach((x) => x.destroy());
        }
      }
      const names = ['head', 'value', 'dhead', 'diagnostics', 'input gradients'];
      for (const got of results.slice(0, 2)) {
        names.forEach((n, i) => {
          const bad = Array.from(got[i]).map((x, j) => [j, x, results[2][i][j]]).filter(([, x, y]) => !Object.is(x, y));
          expect(bad.slice(0, 5), n).toEqual([]);
        });
      }
    });
  }
});
