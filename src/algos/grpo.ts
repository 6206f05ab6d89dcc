// GRPO, group relative policy optimisation (Shao et al. 2024, DeepSeekMath §4.1; the loss
// normaliser of Dr. GRPO, Liu et al. 2025, as an option). No critic: a group of G environments
// starts each iteration from one shared state, each runs one episode with its own sampled
// actions, and an episode's advantage is its return relative to its group's.
//
// Config: groupSize G (numEnvs = groups × G), refKlCoef β, refUpdateEvery, grpoObjective
// (clip | spo), drGrpo; the common clipCoef ε, entCoef, learningRate, updateEpochs,
// numMinibatches. numSteps defaults to the environment's time limit: the rollout is one episode.
//
// Objective, per valid step of episode i (shaders/algos/grpo.wgsl, shaders/grpo.wgsl):
//   min(r·Â_i, clip(r, 1−ε, 1+ε)·Â_i) − β·k3,   or with grpoObjective spo  r·Â_i − |Â_i|/(2ε)·(r−1)²,
//   Â_i = (R_i − mean_g R) / (std_g R + 1e-4) (population std; 0 when the group's R are equal),
//   k3 = π_ref/π_θ − log(π_ref/π_θ) − 1 at the taken action, an unbiased, non-negative
//   estimator of KL(π_θ‖π_ref) (Schulman 2020, "Approximating KL divergence").
// The loss is the mean over episodes of each episode's mean over its steps (drGrpo: the sum
// over all valid steps over T × episodes). π_ref is the initial policy, or refreshed to the
// current one every refUpdateEvery iterations.
//
// Plan, in the iteration's one submit after the episodic-group rollout:
//   1. reference: refresh flag → π_ref ← π_θ; π_ref's forward over the batch; log π_ref(a|s).
//   2. group advantages: each episode's R and L, the group statistics, Â and 1/L per step.
//   3. updateEpochs × numMinibatches: gather, actor forward, the loss, actor backward, Adam.
// Host hook: counts iterations for the reference refresh (saved with the checkpoint).
import { Kernel, grid, type BoundKernel } from '../gpu/kernel.js';
import { agentBuffer, agentStride } from '../gpu/agents.js';
import { usableBytes } from '../gpu/device.js';
import { sharedStruct } from '../gpu/structs.js';
import { composeUpdateModule } from '../gpu/compose.js';
import { adam } from '../kernels/adam.js';
import { colSum } from '../kernels/reduce.js';
import { actionDim } from '../envs/spec.js';
import { mlpBackwardNets, mlpForwardNets, type MlpBackwardSlots } from '../nn/mlp.js';
import type { Algorithm, Plan, PlanContext } from './algorithm.js';
import { ppo } from './ppo.js';
import { spo } from './spo.js';

export interface GrpoFields {
  /** grpo: environments per group G, all started from the same state each iteration. */
  groupSize: number;
  /** grpo: β of the k3 KL(π_θ‖π_ref) penalty. */
  refKlCoef: number;
  /** grpo: copy the current policy into π_ref every this many iterations (0: π_ref stays the initial policy). */
  refUpdateEvery: number;
  /** grpo: the surrogate, PPO's clip or SPO's penalty. */
  grpoObjective: 'clip' | 'spo';
  /** grpo: Dr. GRPO's loss normaliser (sum over steps / (T · episodes)) instead of per-episode means. */
  drGrpo: boolean;
}

/** Uniforms of shaders/grpo.wgsl's kernels. */
export const GRPO_PARAMS = sharedStruct('GrpoParams', {
  T: { type: 'u32' }, N: { type: 'u32' }, B: { type: 'u32', doc: 'samples per dispatch' }, G: { type: 'u32', doc: 'group size' },
  P: { type: 'u32' }, permOffset: { type: 'u32', doc: 'first index of this minibatch in perm' },
  offObs: { type: 'u32' }, offActions: { type: 'u32' }, offLogp: { type: 'u32' }, offDist: { type: 'u32' },
  offRewards: { type: 'u32' }, offValid: { type: 'u32' }, offAdv: { type: 'u32' },
  logstdOff: { type: 'u32', doc: 'element offset of the Gaussian log-std in params' },
  // Elements between agents' copies of each bound array (src/gpu/agents.ts; 0: one agent).
  agentTraj: { type: 'u32' }, agentPerm: { type: 'u32' }, agentMb: { type: 'u32' }, agentParams: { type: 'u32', doc: 'of params and π_ref' },
  agentScalars: { type: 'u32' }, agentDhead: { type: 'u32' }, agentDiag: { type: 'u32' }, agentEpisodeWeight: { type: 'u32' },
  agentRefLogp: { type: 'u32' }, agentRefHead: { type: 'u32' }, agentEpisodeStats: { type: 'u32' }, agentGroupStats: { type: 'u32' },
  agentHead: { type: 'u32' },
});

/** Per-sample diagnostics, [B, DIAG] rows weighted per episode, summed over an iteration's minibatches. */
export const GRPO_DIAGNOSTICS = sharedStruct('GrpoDiagnostics', {
  policyLoss: { type: 'f32' }, entropy: { type: 'f32' },
  averageKld: { type: 'f32', doc: 'exact per-state KL(π_old‖π_θ)' }, approxKl: { type: 'f32', doc: 'k3 estimator of KL(π_old‖π_θ)' },
  clipfrac: { type: 'f32' }, meanRatio: { type: 'f32' }, refKl: { type: 'f32', doc: 'k3 estimator of KL(π_θ‖π_ref)' },
});

/** The update metrics read back each iteration: the diagnostics' means, then the groups'. */
export const GRPO_METRICS = sharedStruct('GrpoMetrics', {
  ...GRPO_DIAGNOSTICS.fields,
  groupReturnStd: { type: 'f32', doc: 'mean over groups of the population std of their returns' },
  zeroAdvantageGroups: { type: 'f32', doc: 'fraction of groups whose returns are all equal (no signal)' },
});

function grpoPlan(ctx: PlanContext): Plan {
  const { dev, config: c, env, layout: L, rollout, buffers: g, scalars, agents: K } = ctx;
  const T = c.numSteps, N = c.numEnvs, G = c.groupSize, TN = ctx.batchSize, E = c.updateEpochs, M = c.numMinibatches, B = TN / M;
  const P = L.size, OUT = L.outDim, O = env.obsDim, D = actionDim(env), tl = rollout.traj, traj = rollout.trajBuffer;
  const code = composeUpdateModule(env, L, ctx.algorithm.objective, {
    params: GRPO_PARAMS, scalars, indices: { DIAG: GRPO_DIAGNOSTICS }, constants: { DIAG: GRPO_DIAGNOSTICS.length }, family: 'grpo',
  });
  const kernel = (entry: string) => new Kernel(dev, `grpo ${entry}`, code, entry, { DR_GRPO: c.drGrpo, AGENTS: K });
  // One copy per agent of every buffer (src/gpu/agents.ts); `threads` invocations per agent, the agents along z.
  const buffer = (label: string, elements: number) => agentBuffer(dev, label, K, elements);
  const perAgent = (threads: number): [number, number, number] => { const w = grid(threads, 64); return [w[0], w[1], K]; };

  // ---- buffers: π_ref and its batch outputs, the group statistics, the minibatch and the actor's scratch
  const refParams = buffer('grpo reference policy', P);
  const dims = L.actor.dims, layers = dims.length - 1;
  const refActs = dims.slice(1).map((d, l) => ({ buffer: buffer(`grpo reference activations ${l}`, TN * d), offset: 0 }));
  const refLogp = buffer('grpo reference log-probs', TN);
  const episodeStats = buffer('grpo episode returns', N * 2), groupStats = buffer('grpo group statistics', (N / G) * 2);
  const episodeWeight = buffer('grpo episode weights', TN);
  const mb = buffer('grpo minibatch', B * (O + D + 1 + OUT + 3));
  const hmax = Math.max(...dims);
  const dhead = buffer('grpo d head', B * (OUT + D)), diag = buffer('grpo diagnostics', B * GRPO_DIAGNOSTICS.length);
  const actor: MlpBackwardSlots = {
    layout: L.actor, label: 'actor', acts: dims.slice(1).map((d, l) => ({ buffer: buffer(`grpo activations ${l}`, B * d), offset: 0 })),
    dOut: { buffer: dhead, offset: 0 }, dH: [{ buffer: buffer('grpo dH a', B * hmax), offset: 0 }, { buffer: buffer('grpo dH b', B * hmax), offset: 0 }],
  };
  const head = actor.acts[layers - 1].buffer, refHead = refActs[layers - 1].buffer;
  const stride = (b: GPUBuffer) => agentStride(b);
  const uniforms = (Bn: number, permOffset: number) => GRPO_PARAMS.uniforms({
    T, N, B: Bn, G, P, permOffset, offObs: tl.obs, offActions: tl.actions, offLogp: tl.logp, offDist: tl.dist,
    offRewards: tl.rewards, offValid: tl.valid, offAdv: tl.advantages, logstdOff: Math.max(L.logstd, 0),
    agentTraj: stride(traj), agentPerm: stride(g.permutations), agentMb: stride(mb), agentParams: stride(g.params), agentScalars: stride(g.scalars),
    agentDhead: stride(dhead), agentDiag: stride(diag), agentEpisodeWeight: stride(episodeWeight), agentRefLogp: stride(refLogp),
    agentRefHead: stride(refHead), agentEpisodeStats: stride(episodeStats), agentGroupStats: stride(groupStats), agentHead: stride(head),
  });
  const once = uniforms(B, 0);

  // ---- 1. the reference policy: a copy of the initial parameters (or a checkpoint's), its log-probs
  if (stride(refParams) !== stride(g.params)) throw new Error(`grpo: π_ref's agent stride ${stride(refParams)} differs from the parameters' ${stride(g.params)}`);
  dev.submitEncoder('grpo reference policy', (enc) => enc.copyBufferToBuffer(g.params, 0, refParams, 0, usableBytes(refParams)));
  const refresh = kernel('grpo_refresh_reference').bind({ 4: g.params, 5: g.scalars, 15: refParams }, once, perAgent(P), 'reference refresh');
  // The batch's observations are the first T·N rows of traj's obs section.
  const refForward = mlpForwardNets(dev, [{ layout: L.actor, acts: refActs, label: 'reference actor' }], TN, c.activation, { buffer: traj, offset: tl.obs }, refParams, K);
  const refLogpBindings: Record<number, GPUBuffer> = { 1: traj, 9: refLogp, 10: refHead };
  if (L.continuous) refLogpBindings[11] = refParams;
  const refLogpK = kernel('grpo_ref_logp').bind(refLogpBindings, once, perAgent(TN), 'reference log-probs');

  // ---- 2. group-relative advantages and per-step episode weights
  const advantages = [
    kernel('grpo_episode_returns').bind({ 1: traj, 12: episodeStats }, once, perAgent(N), 'episode returns'),
    kernel('grpo_group_advantages').bind({ 1: traj, 8: episodeWeight, 12: episodeStats, 13: groupStats }, once, perAgent(N), 'group advantages'),
    colSum(dev, { R: N / G, C: 2, scale: G / N, agents: K }, { x: groupStats, out: g.metrics, offsets: { out: GRPO_METRICS.offset.groupReturnStd } }),
  ];

  // ---- 3. minibatch updates of the actor
  const input = { buffer: mb, offset: 0 };
  const forward = mlpForwardNets(dev, [actor], B, c.activation, input, g.params, K);
  const lossBindings: Record<number, GPUBuffer> = { 3: mb, 5: g.scalars, 6: dhead, 7: diag, 14: head };
  if (L.continuous) lossBindings[4] = g.params;
  const loss = kernel('grpo_loss').bind(lossBindings, once, perAgent(B), 'grpo loss');
  const backward = mlpBackwardNets(dev, [actor], B, c.activation, input, g.params, g.grads, K);
  const logstdGrad = L.continuous ? [colSum(dev, { R: B, C: D, agents: K }, { x: dhead, out: g.grads, offsets: { x: B * OUT, out: L.logstd } })] : [];
  const diagScale = 1 / (B * E * M);
  const diagFirst = colSum(dev, { R: B, C: GRPO_DIAGNOSTICS.length, scale: diagScale, agents: K }, { x: diag, out: g.metrics });
  const diagAccum = colSum(dev, { R: B, C: GRPO_DIAGNOSTICS.length, scale: diagScale, accum: true, agents: K }, { x: diag, out: g.metrics });
  const adamSteps = adam(dev, { P, maxGradNorm: c.maxGradNorm, eps: 1e-5, agents: K }, {
    params: g.params, grads: g.grads, m: g.adamM, v: g.adamV, state: g.adamState, lr: g.scalars, partials: g.adamPartials,
  }, scalars.offset.learningRate);
  const gatherK = kernel('grpo_gather');
  const minibatches: BoundKernel[] = [];
  for (let e = 0; e < E; e++) {
    for (let m = 0; m < M; m++) {
      const gather = gatherK.bind({ 1: traj, 2: g.permutations, 3: mb, 8: episodeWeight, 9: refLogp }, uniforms(B, e * TN + m * B), perAgent(B), `gather e${e} m${m}`);
      minibatches.push(gather, ...forward, loss, ...backward, ...logstdGrad, e === 0 && m === 0 ? diagFirst : diagAccum, ...adamSteps);
    }
  }
  return {
    stages: [
      { name: 'reference policy', dispatches: [refresh, ...refForward, refLogpK] },
      { name: 'group advantages', dispatches: advantages },
      { name: 'minibatch updates', dispatches: minibatches },
    ],
    checkpointed: { reference: refParams },
    named: { reference: refParams, refLogp, episodeStats, episodeWeight, groupStats, minibatch: mb, head, dhead, diagnostics: diag },
  };
}

const noCritic = 'GRPO has no critic';

export const grpo: Algorithm = {
  name: 'grpo',
  summary: 'GRPO (DeepSeekMath): no critic; G episodes from one start state, advantage = return relative to the group, clip (or SPO) surrogate − β·KL to a reference policy',
  fields: {
    groupSize: {
      kind: 'integer', default: 8, doc: 'grpo: environments per group G, all started from the same state each iteration',
      check: (v: number, c) => (v < 2 ? 'must be >= 2: a group of one has no baseline to be relative to'
        : c.numEnvs % v !== 0 ? `must divide --num-envs ${c.numEnvs} (numEnvs = groups × group size); try --num-envs ${Math.max(1, Math.round(c.numEnvs / v)) * v}` : undefined),
    },
    refKlCoef: { kind: 'number', default: 0.04, doc: 'grpo: β of the k3 KL(π_θ‖π_ref) penalty (DeepSeekMath: 0.04; 0 turns it off)', check: (v: number) => (v < 0 ? 'must be >= 0' : undefined) },
    refUpdateEvery: { kind: 'integer', min: 0, default: 0, doc: 'grpo: copy the current policy into π_ref every this many iterations (0: π_ref stays the initial policy)' },
    grpoObjective: {
      kind: 'string', default: 'clip', doc: 'grpo: the surrogate, clip (PPO) or spo (SPO\'s penalty), with the same group advantages',
      check: (v: string) => (['clip', 'spo'].includes(v) ? undefined : 'must be clip or spo'),
    },
    drGrpo: { kind: 'boolean', default: false, doc: 'grpo: Dr. GRPO\'s normaliser, the sum over valid steps / (T × episodes), instead of per-episode means' },
  },
  defaults: { numEnvs: 64, learningRate: 1e-3, normAdv: false, entCoef: 0, normObs: false, normReward: false },
  // One episode per rollout; enough groups for about 1,024 steps per iteration, at least 2.
  envDefaults: (env, given) => {
    const T = given.numSteps ?? env.maxEpisodeSteps, G = given.groupSize ?? 8;
    return { numSteps: env.maxEpisodeSteps, numEnvs: G * Math.max(2, Math.round(1024 / (T * G))) };
  },
  checkEnv: (c, env) => (c.numSteps > env.maxEpisodeSteps
    ? `--num-steps ${c.numSteps} exceeds the time limit ${env.maxEpisodeSteps}: every episode has ended by then, the rest would be masked; use --num-steps ${env.maxEpisodeSteps} (the default) or less`
    : undefined),
  unusedCommon: {
    gamma: 'the outcome reward is the undiscounted episode return', gaeLambda: `${noCritic}, so no GAE`,
    vfCoef: noCritic, clipVloss: noCritic, criticHidden: `${noCritic} to size`,
    normAdv: 'its advantages are already normalised within each group',
    bootstrapTruncation: `an episode's outcome is its return; ${noCritic} to bootstrap a truncated one with`,
    normObs: 'running observation statistics are not kept for episodic groups',
    normReward: 'the group advantage needs the raw returns',
  },
  critic: false,
  episodicGroups: (c) => c.groupSize,
  objective: {
    wgsl: 'algos/grpo',
    coefficients: ['eps', 'spo', 'beta', 'refresh'],
    coefficientValues: (c, state) => ({
      eps: c.clipCoef, spo: c.grpoObjective === 'spo' ? 1 : 0, beta: c.refKlCoef,
      refresh: c.refUpdateEvery > 0 && state.iterationsTrained > 0 && state.iterationsTrained % c.refUpdateEvery === 0 ? 1 : 0,
    }),
    reference: (r, logp, adv, d, { eps, spo: useSpo }) => (useSpo ? spo : ppo).objective.reference(r, logp, adv, d, { eps }),
  },
  initialState: () => ({ iterationsTrained: 0 }),
  plan: grpoPlan,
  manyAgents: true,
  metrics: GRPO_METRICS,
  report: (m) => ({
    'losses/policy_loss': m.policyLoss, 'losses/entropy': m.entropy, 'charts/average_kld': m.averageKld, 'losses/approx_kl': m.approxKl,
    'losses/clipfrac': m.clipfrac, 'losses/mean_ratio': m.meanRatio, 'losses/ref_kl': m.refKl,
    'charts/group_return_std': m.groupReturnStd, 'charts/zero_advantage_groups': m.zeroAdvantageGroups,
  }),
  afterIteration(_c, state) {
    state.iterationsTrained++;
    return {};
  },
};
