// The on-policy actor-critic update that PPO, PPO-KL, SPO, SPO-KL and A2C share (CleanRL's
// ppo.py update loop): GAE and explained variance over the batch, then for every epoch ×
// minibatch: gather, advantage statistics, actor and critic forward to their last hidden
// layers, the output layers fused with the policy/value loss (the algorithm's objective) and
// their input gradients, backward, Adam with global-norm clipping. The algorithms
// differ only in their objective (shaders/algos/<name>.wgsl) and host hooks.
import { Kernel, grid, type BoundKernel } from '../gpu/kernel.js';
import { agentBuffer, agentStride } from '../gpu/agents.js';
import { sharedStruct } from '../gpu/structs.js';
import { composeTrainModule, hasSubgroupLanes } from '../gpu/compose.js';
import { adam } from '../kernels/adam.js';
import { colStats, colSum } from '../kernels/reduce.js';
import { actionDim } from '../envs/spec.js';
import { ACTIVATION_CODE } from '../kernels/matmul.js';
import { mlpBackwardNets, mlpForwardNets, type MlpBackwardSlots } from '../nn/mlp.js';
import type { Plan, PlanContext } from './algorithm.js';

/** Uniforms of shaders/train.wgsl's kernels. */
export const TRAIN_PARAMS = sharedStruct('TrainParams', {
  T: { type: 'u32' }, N: { type: 'u32' }, B: { type: 'u32' },
  permOffset: { type: 'u32', doc: 'first index of this minibatch in perm' },
  offObs: { type: 'u32' }, offActions: { type: 'u32' }, offLogp: { type: 'u32' }, offDist: { type: 'u32' },
  offValues: { type: 'u32' }, offRewards: { type: 'u32' }, offTerm: { type: 'u32' }, offTrunc: { type: 'u32' },
  offFinalValues: { type: 'u32' }, offAdv: { type: 'u32' }, offReturns: { type: 'u32' },
  logstdOff: { type: 'u32', doc: 'element offset of the Gaussian log-std in params' },
  // Elements between agents' copies of each bound array (src/gpu/agents.ts; 0: shared or one agent).
  agentTraj: { type: 'u32' }, agentPerm: { type: 'u32' }, agentMb: { type: 'u32' }, agentMetrics: { type: 'u32' },
  agentScalars: { type: 'u32' }, agentParams: { type: 'u32' }, agentHead: { type: 'u32' }, agentValue: { type: 'u32' },
  agentDhead: { type: 'u32' }, agentDiag: { type: 'u32' },
  // heads_and_loss: where each output layer's input rows and their gradients start in their buffers.
  offHidActor: { type: 'u32' }, offHidCritic: { type: 'u32' }, offDhidActor: { type: 'u32' }, offDhidCritic: { type: 'u32' },
  agentHidActor: { type: 'u32' }, agentHidCritic: { type: 'u32' }, agentDhid: { type: 'u32' },
});

/** The per-agent arrays of shaders/train.wgsl, by the TrainParams field that holds their agent stride. */
export type TrainArrays = Partial<Record<'traj' | 'perm' | 'mb' | 'metrics' | 'scalars' | 'params' | 'head' | 'value' | 'dhead' | 'diag' | 'hidActor' | 'hidCritic' | 'dhid', GPUBuffer>>;

/** heads_and_loss's element offsets: each output layer's input rows and their gradients. */
export interface OutputLayerOffsets { hidActor: number; hidCritic: number; dhidActor: number; dhidCritic: number }

/** Per-sample diagnostics, [B, DIAG] rows, averaged over every minibatch of an iteration. */
export const DIAGNOSTICS = sharedStruct('Diagnostics', {
  policyLoss: { type: 'f32' }, valueLoss: { type: 'f32' }, entropy: { type: 'f32' },
  averageKld: { type: 'f32', doc: 'exact per-state KL(π_old‖π_θ)' }, approxKl: { type: 'f32', doc: 'k3 estimator' },
  clipfrac: { type: 'f32' }, meanRatio: { type: 'f32' },
});

/** The update metrics read back each iteration: the diagnostics' means, then Var(R), Var(R - V). */
export const UPDATE_METRICS = sharedStruct('UpdateMetrics', {
  ...DIAGNOSTICS.fields, varReturns: { type: 'f32' }, varResidual: { type: 'f32' },
});

/** The iteration's log entries (CleanRL's names) from the decoded update metrics. */
export function onPolicyReport(m: Record<string, number>): Record<string, number> {
  return {
    'losses/policy_loss': m.policyLoss, 'losses/value_loss': m.valueLoss, 'losses/entropy': m.entropy,
    'charts/average_kld': m.averageKld, 'losses/approx_kl': m.approxKl, 'losses/clipfrac': m.clipfrac,
    'losses/mean_ratio': m.meanRatio,
    'losses/explained_variance': m.varReturns > 0 ? 1 - m.varResidual / m.varReturns : NaN,
  };
}

/** The minibatch and network buffers of an update over B samples (allocated once). */
export function updateBuffers(ctx: PlanContext, B: number, label = '') {
  const { dev, env, layout: L, agents: K } = ctx;
  const OUT = L.outDim, O = env.obsDim, D = actionDim(env);
  // Every buffer holds one copy per agent (src/gpu/agents.ts).
  const buffer = (name: string, elements: number) => agentBuffer(dev, name, K, elements);
  const mb = buffer(`minibatch${label}`, B * (O + D + 1 + OUT + 3));
  // Hidden layer l of both nets in one buffer, the critic's [B, width] after the actor's, and
  // the scratch derivatives likewise, so same-shaped layers run as one batched matmul
  // (mlpForwardNets). The heads get their own buffers: the loss binds them whole.
  const La = L.actor.dims.length - 1, Lc = L.critic.dims.length - 1;
  const hiddenWidth = (dims: number[], l: number) => (l + 2 < dims.length ? dims[l + 1] : 0);
  const hidden = Array.from({ length: Math.max(La, Lc) - 1 }, (_, l) =>
    buffer(`hidden activations ${l}${label}`, B * (hiddenWidth(L.actor.dims, l) + hiddenWidth(L.critic.dims, l))));
  const actorOut = buffer(`actor head${label}`, B * OUT), criticOut = buffer(`critic value${label}`, B);
  const hmax = Math.max(...L.actor.dims, ...L.critic.dims);
  const dH = [buffer(`dH a${label}`, 2 * B * hmax), buffer(`dH b${label}`, 2 * B * hmax)];
  const dhead = buffer(`d head${label}`, B * (OUT + 1 + D));
  const diag = buffer(`diagnostics${label}`, B * DIAGNOSTICS.length);
  const actorNet: MlpBackwardSlots = {
    layout: L.actor, label: 'actor',
    acts: [...hidden.slice(0, La - 1).map((buffer) => ({ buffer, offset: 0 })), { buffer: actorOut, offset: 0 }],
    dOut: { buffer: dhead, offset: 0 }, dH: [{ buffer: dH[0], offset: 0 }, { buffer: dH[1], offset: 0 }],
  };
  const criticNet: MlpBackwardSlots = {
    layout: L.critic, label: 'critic',
    acts: [...hidden.slice(0, Lc - 1).map((buffer, l) => ({ buffer, offset: B * hiddenWidth(L.actor.dims, l) })), { buffer: criticOut, offset: 0 }],
    dOut: { buffer: dhead, offset: B * OUT }, dH: [{ buffer: dH[0], offset: B * hmax }, { buffer: dH[1], offset: B * hmax }],
  };
  return { B, mb, actorOut, criticOut, dhead, diag, actorNet, criticNet, input: { buffer: mb, offset: 0 } };
}

/** The composed train module's kernels and its TrainParams for B samples per dispatch. */
export function trainKernels(ctx: PlanContext, extra: string[] = [], extraRecords = '') {
  const { dev, config: c, env, layout: L, rollout, scalars } = ctx;
  const tl = rollout.traj;
  const code = composeTrainModule(env, L, ctx.objectives, { params: TRAIN_PARAMS, scalars, diagnostics: DIAGNOSTICS, metrics: ctx.metrics },
    extraRecords ? [extraRecords, ...extra] : extra, { subgroupWeights: hasSubgroupLanes(dev) });
  const constants = { CLIP_VALUE: c.clipVloss, NORM_ADV: c.normAdv, BOOTSTRAP_TRUNCATION: c.bootstrapTruncation, AGENTS: ctx.agents, HIDDEN_ACT: ACTIVATION_CODE[c.activation] };
  const kernel = (entry: string) => new Kernel(dev, `train ${entry}`, code, entry, constants);
  // `arrays`: the per-agent buffers a kernel binds, whose agent strides it needs.
  const uniforms = (B: number, permOffset: number, arrays: TrainArrays = {}, heads: OutputLayerOffsets = { hidActor: 0, hidCritic: 0, dhidActor: 0, dhidCritic: 0 }) => {
    const stride = (name: keyof TrainArrays) => { const b = arrays[name]; return b ? agentStride(b) : 0; };
    return TRAIN_PARAMS.uniforms({
      T: c.numSteps, N: c.numEnvs, B, permOffset, offObs: tl.obs, offActions: tl.actions, offLogp: tl.logp, offDist: tl.dist, offValues: tl.values,
      offRewards: tl.rewards, offTerm: tl.terminated, offTrunc: tl.truncated, offFinalValues: tl.finalValues,
      offAdv: tl.advantages, offReturns: tl.returns, logstdOff: Math.max(L.logstd, 0),
      agentTraj: stride('traj'), agentPerm: stride('perm'), agentMb: stride('mb'), agentMetrics: stride('metrics'), agentScalars: stride('scalars'),
      agentParams: stride('params'), agentHead: stride('head'), agentValue: stride('value'), agentDhead: stride('dhead'), agentDiag: stride('diag'),
      offHidActor: heads.hidActor, offHidCritic: heads.hidCritic, offDhidActor: heads.dhidActor, offDhidCritic: heads.dhidCritic,
      agentHidActor: stride('hidActor'), agentHidCritic: stride('hidCritic'), agentDhid: stride('dhid'),
    });
  };
  // Workgroups for `threads` invocations per agent, the agents along z.
  const perAgent = (threads: number): [number, number, number] => { const g = grid(threads, 64); return [g[0], g[1], ctx.agents]; };
  // GAE over the batch, and the explained variance of the old values.
  const traj = rollout.trajBuffer, { metrics, scalars: scalarsBuffer } = ctx.buffers;
  const advantages = [
    kernel('gae_traj').bind({ 1: traj, 5: scalarsBuffer }, uniforms(1, 0, { traj, scalars: scalarsBuffer }), perAgent(c.numEnvs), 'gae'),
    kernel('explained_variance').bind({ 1: traj, 4: metrics }, uniforms(1, 0, { traj, metrics }), [1, 1, ctx.agents], 'explained variance'),
  ];
  return { kernel, uniforms, advantages, perAgent };
}

/** Builds the on-policy update: every dispatch of an iteration, recorded once. */
export function onPolicyPlan(ctx: PlanContext): Plan {
  const { dev, config: c, env, layout: L, rollout, buffers: g, scalars, agents: K } = ctx;
  const E = c.updateEpochs, M = c.numMinibatches;
  const B = ctx.batchSize / M, P = L.size, OUT = L.outDim, O = env.obsDim, D = actionDim(env);
  const { mb, actorOut, criticOut, dhead, diag, actorNet, criticNet, input } = updateBuffers(ctx, B);
  const { kernel, uniforms, advantages, perAgent } = trainKernels(ctx);
  const gatherK = kernel('gather_minibatch'), lossK = kernel('heads_and_loss');
  const adamSteps = adam(dev, { P, maxGradNorm: c.maxGradNorm, eps: 1e-5, agents: K }, {
    params: g.params, grads: g.grads, m: g.adamM, v: g.adamV, state: g.adamState, lr: g.scalars, partials: g.adamPartials,
  }, scalars.offset.learningRate);
  // Forward and backward bind the same buffers for every minibatch: encoded once, reused. The
  // output layers' forward and input gradients are heads_and_loss's (one dispatch, not four).
  const forward = mlpForwardNets(dev, [actorNet, criticNet], B, c.activation, input, g.params, K, { outputLayers: false });
  const advStats = colStats(dev, { R: B, C: 1, agents: K }, { x: mb, out: g.scalars, offsets: { x: B * (O + D + 1 + OUT), out: scalars.offset.advSum } });
  // Each output layer's input: the net's last hidden layer, or the observations of a net without one.
  const outputLayerInput = (net: MlpBackwardSlots) => (net.layout.dims.length > 2 ? net.acts[net.layout.dims.length - 3] : input);
  const hidActor = outputLayerInput(actorNet), hidCritic = outputLayerInput(criticNet);
  const lossBindings: Record<number, GPUBuffer> = {
    1: mb, 2: actorOut, 3: criticOut, 4: g.params, 5: g.scalars, 6: dhead, 7: diag, 8: hidActor.buffer, 9: hidCritic.buffer, 10: actorNet.dH[0].buffer,
  };
  const loss = lossK.bind(lossBindings, uniforms(B, 0,
    { mb, head: actorOut, value: criticOut, params: g.params, scalars: g.scalars, dhead, diag, hidActor: hidActor.buffer, hidCritic: hidCritic.buffer, dhid: actorNet.dH[0].buffer },
    { hidActor: hidActor.offset, hidCritic: hidCritic.offset, dhidActor: actorNet.dH[0].offset, dhidCritic: criticNet.dH[0].offset }), perAgent(B), 'heads and loss');
  const backward = mlpBackwardNets(dev, [actorNet, criticNet], B, c.activation, input, g.params, g.grads, K, { outputLayerDx: false });
  const logstdGrad = L.continuous ? [colSum(dev, { R: B, C: D, agents: K }, { x: dhead, out: g.grads, offsets: { x: B * (OUT + 1), out: L.logstd } })] : [];
  const diagScale = 1 / (B * E * M);
  const diagFirst = colSum(dev, { R: B, C: DIAGNOSTICS.length, scale: diagScale, agents: K }, { x: diag, out: g.metrics });
  const diagAccum = colSum(dev, { R: B, C: DIAGNOSTICS.length, scale: diagScale, accum: true, agents: K }, { x: diag, out: g.metrics });
  const minibatches: BoundKernel[] = [];
  const gatherArrays = { traj: rollout.trajBuffer, perm: g.permutations, mb };
  for (let e = 0; e < E; e++) {
    for (let m = 0; m < M; m++) {
      const gather = gatherK.bind({ 1: rollout.trajBuffer, 2: g.permutations, 3: mb }, uniforms(B, e * ctx.batchSize + m * B, gatherArrays), perAgent(B), `gather e${e} m${m}`);
      minibatches.push(gather, advStats, ...forward, loss, ...backward, ...logstdGrad,
        e === 0 && m === 0 ? diagFirst : diagAccum, ...adamSteps);
    }
  }
  return { stages: [{ name: 'advantages', dispatches: advantages }, { name: 'minibatch updates', dispatches: minibatches }] };
}

/** What every on-policy module shares: the plan, its metrics record and their log names. */
export const ON_POLICY = { plan: onPolicyPlan, metrics: UPDATE_METRICS, report: onPolicyReport, manyAgents: true };
