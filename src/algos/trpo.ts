// TRPO (Schulman et al. 2015; SB3-contrib's trpo.py is the reference implementation).
// Config: trpoMaxKl δ, cgDamping λ, cgMaxSteps, lineSearchShrink, lineSearchMaxSteps; the
// common learningRate, updateEpochs and numMinibatches are the critic's (SB3-contrib: Adam
// 1e-3, 10 epochs of minibatches of 128). Objective: the surrogate r·Â (shaders/algos/trpo.wgsl),
// maximised subject to mean per-state KL(π_old‖π_θ) ≤ δ. Plan, every stage on the GPU in the
// iteration's one submit:
//   1. GAE; the whole batch gathered once; advantages normalised over it.
//   2. Policy gradient g of the loss −mean(r·Â) at θ_old (forward, loss kernel, actor backward).
//   3. Conjugate gradient for (H + λI)·y = g, H·v the Fisher-vector product (src/nn/fvp.ts).
//   4. Step β = sqrt(2δ / yᵀ(H + λI)y); the K candidates θ − shrink^k·β·y evaluated in one
//      batched forward pass and one loss pass each; the first with KL ≤ δ and a better
//      surrogate is taken (shaders/trpo.wgsl), else θ stays.
//   5. The critic: updateEpochs × numMinibatches Adam steps on ½(V − R)².
// No host hook: nothing in TRPO depends on a readback.
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { sharedStruct } from '../gpu/structs.js';
import { wgsl, wgslU32Constants } from '../gpu/compose.js';
import { adam } from '../kernels/adam.js';
import { cgInit, cgStep, CG_STATE } from '../kernels/cg.js';
import { colStats, colSum } from '../kernels/reduce.js';
import { matmul } from '../kernels/matmul.js';
import { actionDim } from '../envs/spec.js';
import { fisherVectorProduct } from '../nn/fvp.js';
import { mlpBackwardNets, mlpForwardNets } from '../nn/mlp.js';
import type { Algorithm, Plan, PlanContext } from './algorithm.js';
import { DIAGNOSTICS, UPDATE_METRICS, onPolicyReport, trainKernels, updateBuffers } from './on_policy.js';

export interface TrpoFields {
  /** trpo: the KL bound δ of each policy step. */
  trpoMaxKl: number;
  /** trpo: damping λ added to the Fisher matrix in conjugate gradient. */
  cgDamping: number;
  /** trpo: conjugate-gradient iterations per policy step (at most). */
  cgMaxSteps: number;
  /** trpo: factor by which the line search shrinks the step. */
  lineSearchShrink: number;
  /** trpo: candidate steps the line search tries. */
  lineSearchMaxSteps: number;
}

const TRPO_PARAMS = sharedStruct('TrpoParams', {
  P: { type: 'u32' }, K: { type: 'u32', doc: 'line-search candidates' }, candStride: { type: 'u32', doc: 'elements between candidates' },
  criticOff: { type: 'u32' }, criticSize: { type: 'u32', doc: 'the critic entries no policy step touches' },
  damping: { type: 'f32' }, maxKl: { type: 'f32' }, shrink: { type: 'f32' },
});
/** Line-search state on the GPU. */
const LINE_SEARCH = sharedStruct('LineSearch', { shs: { type: 'f32' }, beta: { type: 'f32' }, accepted: { type: 'f32' } });
/** The update metrics: the on-policy ones at θ_old, then the step's. */
export const TRPO_METRICS = sharedStruct('TrpoMetrics', {
  ...UPDATE_METRICS.fields,
  lineSearchStep: { type: 'f32', doc: 'accepted candidate k, -1 when none was' }, stepKl: { type: 'f32' }, improvement: { type: 'f32' },
  stepSize: { type: 'f32', doc: 'β' }, cgIterations: { type: 'f32' }, cgResidual: { type: 'f32' }, criticLoss: { type: 'f32' },
});
/** Elements between candidates' diagnostic means in the line-search statistics. */
export const DIAG_STRIDE = 8;
/** Candidate vectors and heads start 64 elements (256 bytes, the storage binding alignment) apart. */
export const align64 = (n: number) => Math.ceil(n / 64) * 64;

function trpoPlan(ctx: PlanContext): Plan {
  const { dev, config: c, env, layout: L, rollout, buffers: g, scalars } = ctx;
  const Bf = ctx.batchSize, Bc = Bf / c.numMinibatches, E = c.updateEpochs, M = c.numMinibatches;
  const P = L.size, OUT = L.outDim, O = env.obsDim, D = actionDim(env), K = c.lineSearchMaxSteps;
  const extra = [TRPO_PARAMS.wgslStruct(), LINE_SEARCH.wgslIndices('LS'), wgslU32Constants({ DIAG_STRIDE }), wgsl('trpo')];
  const { kernel, uniforms, advantages } = trainKernels(ctx, extra);

  // ---- 1-2. the whole batch, and the policy gradient at θ_old
  const all = updateBuffers(ctx, Bf, ' (batch)');
  const gatherAll = kernel('gather_minibatch').bind({ 1: rollout.trajBuffer, 2: g.permutations, 3: all.mb }, uniforms(Bf, 0), grid(Bf, 64), 'gather batch');
  const advStats = colStats(dev, { R: Bf, C: 1 }, { x: all.mb, out: g.scalars, offsets: { x: Bf * (O + D + 1 + OUT), out: scalars.offset.advSum } });
  const forward = mlpForwardNets(dev, [all.actorNet, all.criticNet], Bf, c.activation, all.input, g.params);
  const lossK = kernel('policy_value_loss');
  const lossBindings: Record<number, GPUBuffer> = { 1: all.mb, 2: all.actorOut, 3: all.criticOut, 5: g.scalars, 6: all.dhead, 7: all.diag };
  if (L.continuous) lossBindings[4] = g.params;
  const loss = lossK.bind(lossBindings, uniforms(Bf, 0), grid(Bf, 64), 'surrogate at θ_old');
  const diagOld = colSum(dev, { R: Bf, C: DIAGNOSTICS.length, scale: 1 / Bf }, { x: all.diag, out: g.metrics });
  // g: actor (and log-std) entries only; the critic's stay 0.
  const policyGrad = dev.buffer('trpo policy gradient', P * 4);
  const backward = mlpBackwardNets(dev, [all.actorNet], Bf, c.activation, all.input, g.params, policyGrad);
  const logstdGrad = L.continuous ? [colSum(dev, { R: Bf, C: D }, { x: all.dhead, out: policyGrad, offsets: { x: Bf * (OUT + 1), out: L.logstd } })] : [];

  // ---- 3. conjugate gradient, H·p by the Fisher-vector product over the batch's states
  const cg = { x: dev.buffer('cg x', P * 4), r: dev.buffer('cg r', P * 4), p: dev.buffer('cg p', P * 4), ap: dev.buffer('cg Ap', P * 4), state: dev.buffer('cg state', CG_STATE.size * 4) };
  const cgSpec = { n: P, damping: c.cgDamping };
  const states = { buffer: all.mb, offset: 0 };
  const fvpP = fisherVectorProduct(dev, { layout: L, B: Bf, activation: c.activation }, { obs: states, params: g.params, v: cg.p, hv: cg.ap });
  const step = cgStep(dev, cgSpec, cg);
  const solve = [cgInit(dev, cgSpec, { ...cg, ap: policyGrad }), ...Array.from({ length: c.cgMaxSteps }, () => [...fvpP, step]).flat()];

  // ---- 4. line search: candidates, one batched forward, one loss pass each, select, apply
  const hx = dev.buffer('trpo H·y', P * 4);
  const fvpX = fisherVectorProduct(dev, { layout: L, B: Bf, activation: c.activation }, { obs: states, params: g.params, v: cg.x, hv: hx });
  const candStride = align64(P), headStride = align64(Bf * OUT);
  const candidates = dev.buffer('trpo candidates', K * candStride * 4), lineSearch = dev.buffer('trpo line search', LINE_SEARCH.size * 4);
  const lsStats = dev.buffer('trpo candidate diagnostics', K * DIAG_STRIDE * 4);
  const trpoUniforms = TRPO_PARAMS.uniforms({ P, K, candStride, criticOff: L.critic.offset, criticSize: L.critic.size, damping: c.cgDamping, maxKl: c.trpoMaxKl, shrink: c.lineSearchShrink });
  const makeCandidates = kernel('trpo_candidates').bind({ 1: g.params, 2: cg.x, 3: hx, 4: candidates, 5: lineSearch }, trpoUniforms, [1, 1, 1], 'trpo candidates');
  const dims = L.actor.dims, layers = dims.length - 1;
  const candActs = dims.slice(1).map((d, l) => dev.buffer(`trpo candidate activations ${l}`, K * (l === layers - 1 ? headStride : Bf * d) * 4));
  const candForward: BoundKernel[] = [];
  for (let l = 0; l < layers; l++) {
    const din = dims[l], dout = dims[l + 1];
    candForward.push(matmul(dev, { M: Bf, K: din, N: dout, bias: true, act: l + 1 < layers ? c.activation : 'none', batch: K }, {
      a: l === 0 ? all.mb : candActs[l - 1], b: candidates, bias: candidates, c: candActs[l],
      offsets: { b: L.actor.w[l], bias: L.actor.b[l] },
      strides: { a: l === 0 ? 0 : Bf * din, b: candStride, bias: candStride, c: l === layers - 1 ? headStride : Bf * dout },
    }, `trpo candidates forward ${l}`));
  }
  const candDiag = dev.buffer('trpo candidate per-sample diagnostics', Bf * DIAGNOSTICS.length * 4), candDhead = dev.buffer('trpo candidate d head', Bf * (OUT + 1 + D) * 4);
  const evaluate: BoundKernel[] = [];
  for (let k = 0; k < K; k++) {
    const b: Record<number, GPUBuffer | { buffer: GPUBuffer; offset: number; size: number }> = {
      1: all.mb, 2: { buffer: candActs[layers - 1], offset: k * headStride, size: Bf * OUT }, 3: all.criticOut, 5: g.scalars, 6: candDhead, 7: candDiag,
    };
    if (L.continuous) b[4] = { buffer: candidates, offset: k * candStride, size: P };
    evaluate.push(lossK.bind(b, uniforms(Bf, 0), grid(Bf, 64), `trpo candidate ${k}`),
      colSum(dev, { R: Bf, C: DIAGNOSTICS.length, scale: 1 / Bf }, { x: candDiag, out: lsStats, offsets: { out: k * DIAG_STRIDE } }));
  }
  const select = kernel('trpo_select').bind({ 5: lineSearch, 6: lsStats, 7: g.metrics, 8: cg.state }, trpoUniforms, [1, 1, 1], 'trpo select');
  const apply = kernel('trpo_apply').bind({ 1: g.params, 4: candidates, 5: lineSearch }, trpoUniforms, grid(P, 64), 'trpo apply');

  // ---- 5. the critic: its own regression, Adam on critic entries only (the actor's gradients stay 0)
  const cr = updateBuffers(ctx, Bc, ' (critic)');
  const criticGrads = dev.buffer('trpo critic gradients', P * 4);
  const gatherK = kernel('gather_minibatch'), criticLossK = kernel('critic_loss');
  const criticForward = mlpForwardNets(dev, [cr.criticNet], Bc, c.activation, cr.input, g.params);
  const dValue = { buffer: cr.dhead, offset: 0 };
  const criticBackward = mlpBackwardNets(dev, [{ ...cr.criticNet, dOut: dValue }], Bc, c.activation, cr.input, g.params, criticGrads);
  const criticLoss = criticLossK.bind({ 1: cr.mb, 3: cr.criticOut, 5: g.scalars, 6: cr.dhead, 7: cr.diag }, uniforms(Bc, 0), grid(Bc, 64), 'critic loss');
  const lossScale = 1 / (Bc * E * M);
  const lossFirst = colSum(dev, { R: Bc, C: 1, scale: lossScale }, { x: cr.diag, out: g.metrics, offsets: { out: TRPO_METRICS.offset.criticLoss } });
  const lossAccum = colSum(dev, { R: Bc, C: 1, scale: lossScale, accum: true }, { x: cr.diag, out: g.metrics, offsets: { out: TRPO_METRICS.offset.criticLoss } });
  const adamSteps = adam(dev, { P, maxGradNorm: c.maxGradNorm, eps: 1e-5 }, {
    params: g.params, grads: criticGrads, m: g.adamM, v: g.adamV, state: g.adamState, lr: g.scalars, partials: g.adamPartials,
  }, scalars.offset.learningRate);
  const critic: BoundKernel[] = [];
  for (let e = 0; e < E; e++) {
    for (let m = 0; m < M; m++) {
      critic.push(gatherK.bind({ 1: rollout.trajBuffer, 2: g.permutations, 3: cr.mb }, uniforms(Bc, e * Bf + m * Bc), grid(Bc, 64), `critic gather e${e} m${m}`),
        ...criticForward, criticLoss, ...criticBackward, e === 0 && m === 0 ? lossFirst : lossAccum, ...adamSteps);
    }
  }
  return {
    stages: [
      { name: 'advantages', dispatches: advantages },
      { name: 'policy gradient', dispatches: [gatherAll, advStats, ...forward, loss, diagOld, ...backward, ...logstdGrad] },
      { name: 'conjugate gradient', dispatches: solve },
      { name: 'line search', dispatches: [...fvpX, makeCandidates, ...candForward, ...evaluate, select, apply] },
      { name: 'critic', dispatches: critic },
    ],
    named: { batch: all.mb, policyGradient: policyGrad, cgSolution: cg.x, candidates, candidateStats: lsStats, lineSearch },
  };
}

export const trpo: Algorithm = {
  name: 'trpo',
  summary: 'TRPO: the natural-gradient step of the surrogate, scaled to a KL bound δ, with a line search (SB3-contrib defaults)',
  fields: {
    trpoMaxKl: { kind: 'number', default: 0.01, doc: 'trpo: the KL bound δ of each policy step', check: (v) => (v > 0 ? undefined : 'must be > 0 (the trust region is mean KL ≤ δ)') },
    cgDamping: { kind: 'number', default: 0.1, doc: 'trpo: damping λ added to the Fisher matrix in conjugate gradient', check: (v) => (v >= 0 ? undefined : 'must be >= 0') },
    cgMaxSteps: { kind: 'integer', default: 15, doc: 'trpo: conjugate-gradient iterations per policy step' },
    lineSearchShrink: { kind: 'number', default: 0.8, doc: 'trpo: factor by which the line search shrinks the step', check: (v) => (v > 0 && v < 1 ? undefined : 'must be in (0, 1)') },
    lineSearchMaxSteps: { kind: 'integer', default: 10, doc: 'trpo: candidate steps the line search tries' },
  },
  // SB3-contrib: the critic's Adam at 1e-3 for 10 epochs, no entropy term, no clipping.
  defaults: { learningRate: 1e-3, updateEpochs: 10, annealLr: false, entCoef: 0, clipVloss: false, maxGradNorm: 0 },
  objective: {
    wgsl: 'algos/trpo',
    coefficients: [],
    coefficientValues: () => ({}),
    reference: (r, _logp, adv) => ({ value: r * adv, dlogp: adv * r, dkl: 0 }),
  },
  initialState: () => ({}),
  plan: trpoPlan,
  metrics: TRPO_METRICS,
  report(m) {
    return {
      ...onPolicyReport(m),
      // The step's KL and the critic's loss, not the values at θ_old.
      'charts/average_kld': m.stepKl, 'losses/value_loss': m.criticLoss,
      'losses/line_search_step': m.lineSearchStep, 'losses/surrogate_improvement': m.improvement,
      'losses/step_size': m.stepSize, 'losses/cg_iterations': m.cgIterations, 'losses/cg_residual': m.cgResidual,
    };
  },
};
