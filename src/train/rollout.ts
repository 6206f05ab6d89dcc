// The rollout pass: composes shaders/rollout.wgsl with an environment module and the network
// tables, allocates the trajectory storage once, and records one dispatch per rollout for
// every agent (src/gpu/agents.ts) at once.
import type { WgrlDevice } from '../gpu/device.js';
import { SUBGROUP_LANES, hasSubgroupLanes, rolloutModule } from '../gpu/compose.js';
import { Kernel, grid, type BoundKernel, type UniformField } from '../gpu/kernel.js';
import { sharedStruct } from '../gpu/structs.js';
import { agentBuffer, agentStride, agentUpload, checkAgents } from '../gpu/agents.js';
import { actionDim, ENV_PRELUDE, validateEnvSpec, type EnvSpec } from '../envs/spec.js';
import type { PolicyLayout } from '../nn/policy.js';
import { ACTIVATION_CODE, type Activation } from '../kernels/matmul.js';

/** Element offsets of the sections of the packed trajectory buffer (each 64-element aligned). */
export interface TrajLayout {
  obs: number; actions: number; logp: number; dist: number; values: number; rewards: number;
  terminated: number; truncated: number; finalValues: number; finalObs: number;
  advantages: number; returns: number;
  /** Episodic groups only: 1 for a step of the environment's episode, 0 after it ended. */
  valid: number;
  size: number;
}

export function trajLayout(T: number, N: number, obsDim: number, actDim: number, outDim: number): TrajLayout {
  let o = 0;
  const take = (n: number) => { const at = o; o += Math.ceil(n / 64) * 64; return at; };
  const TN = T * N;
  return {
    obs: take((T + 1) * N * obsDim), actions: take(TN * actDim), logp: take(TN), dist: take(TN * outDim),
    values: take((T + 1) * N), rewards: take(TN), terminated: take(TN), truncated: take(TN), finalValues: take(TN),
    finalObs: take(TN * obsDim), advantages: take(TN), returns: take(TN), valid: take(TN), get size() { return o; },
  };
}

/** The rollout kernels' uniforms (shaders/rollout.wgsl `rp`). */
export const ROLLOUT_PARAMS = sharedStruct('RolloutParams', {
  N: { type: 'u32', doc: 'environments per agent' }, T: { type: 'u32' },
  counterBase: { type: 'u32', doc: 'global step of t = 0 (RNG counter)' },
  maxEpisodeSteps: { type: 'u32', doc: 'the time limit; policy_act: the row it fills' },
  logCapacity: { type: 'u32', doc: 'episodes logged per agent per rollout' },
  obsNorm: { type: 'u32' }, bootstrap: { type: 'u32' }, rewardNorm: { type: 'u32' },
  offObs: { type: 'u32', doc: 'element offsets of the traj sections' }, offActions: { type: 'u32' }, offLogp: { type: 'u32' }, offDist: { type: 'u32' },
  offValues: { type: 'u32' }, offRewards: { type: 'u32' }, offTerm: { type: 'u32' }, offTrunc: { type: 'u32' },
  offFinalValues: { type: 'u32' }, offFinalObs: { type: 'u32' },
  offValid: { type: 'u32', doc: 'the valid section (episodic groups only)' },
  deterministic: { type: 'u32', doc: '1: argmax / mean actions (evaluation)' },
  groupSize: { type: 'u32', doc: '0: continuing (same-step autoreset); G > 0: episodic groups, see rollout()' },
  agentParams: { type: 'u32', doc: 'elements between agents: params' }, agentTraj: { type: 'u32', doc: 'traj' },
  agentNormStats: { type: 'u32', doc: 'norm_stats' },
});

/** One agent's row of the rollout's agent table (shaders/rollout.wgsl `agent_table`). */
export const AGENT_ROLLOUT = sharedStruct('AgentRollout', {
  seed: { type: 'u32', doc: 'keys every random draw of this agent' },
  rewardGamma: { type: 'f32', doc: 'discount of the reward scaler (--norm-reward)' },
});

export interface RolloutOptions {
  N: number;
  T: number;
  seed: number;
  /**
   * Agents in one pass (src/gpu/agents.ts): their seeds (and reward-scaler discounts) per agent;
   * params must then be a per-agent buffer. Default: one agent with `seed` and `gamma`.
   */
  agents?: { seed: number; gamma: number }[];
  bootstrapTruncation: boolean;
  /** Normalise observations with running statistics (clip ±10). */
  obsNorm: boolean;
  /** Scale rewards by the running std of the discounted return (clip ±10). */
  rewardNorm: boolean;
  /** Discount of the reward scaler's return. */
  gamma: number;
  activation: Activation;
  /** Episodes logged individually per rollout (more are counted but not logged). */
  logCapacity?: number;
  /** Act greedily (argmax logits, Gaussian mean) instead of sampling: evaluation. */
  deterministic?: boolean;
  /**
   * Episodic groups of this many environments (GRPO): every rollout resets each group from one
   * shared start state and runs one episode per environment, no autoreset, later rows masked
   * (traj.valid). 0 or absent: continuing environments with same-step autoreset.
   */
  groupSize?: number;
  /**
   * How the critic's values V(obs) of rows 0..T are computed (truncation bootstraps always in
   * the step loop): 'batched' (the default for continuing environments) by one dispatch after the
   * rollout over every stored observation row at once, off the sequential step loop, with the
   * same forward and so the same values bit for bit; 'per-step' inside the step loop (the
   * default with episodic groups, whose masked rows must keep 0); 'none' not at all (evaluation
   * and playback, which read only actions).
   */
  values?: RolloutValues;
  /** Invocations per workgroup of the rollout (default: rolloutWorkgroupSize for the adapter). */
  workgroupSize?: number;
}

/**
 * The rollout's workgroup size for an adapter. SwiftShader runs one workgroup on one core, so a
 * rollout of 64 environments or fewer (CleanRL's 4 per agent, 16 agents) would use one core of
 * the machine with workgroups of 64: workgroups of 8 spread them over every core. Real GPUs
 * keep 64 (a multiple of every warp or wavefront size).
 */
export function rolloutWorkgroupSize(dev: WgrlDevice): number {
  return dev.adapter.isSoftware ? 8 : 64;
}

export type RolloutParamValues = Parameters<typeof ROLLOUT_PARAMS.uniforms>[0];

export const ROLLOUT_VALUES = ['batched', 'per-step', 'none'] as const;
export type RolloutValues = typeof ROLLOUT_VALUES[number];

export class Rollout {
  readonly traj: TrajLayout;
  /** [agents] packed trajectories (agentBuffer). */
  readonly trajBuffer: GPUBuffer;
  /** [agents · N, STATE_DIM] */
  readonly envState: GPUBuffer;
  /** [agents · N, 4] episode step, episode return, discounted return, - */
  readonly envBook: GPUBuffer;
  /** Per agent the count of ended episodes (padded to 4), then per agent logCapacity entries. */
  readonly episodes: GPUBuffer;
  /** [agents] running normalisation statistics: obs mean, obs var, return mean, return var, counts. */
  readonly normStats: GPUBuffer;
  readonly normAcc: GPUBuffer;
  /** [agents] AgentRollout rows: seed, reward-scaler discount. */
  readonly agentTable: GPUBuffer;
  readonly normUpdateKernel: BoundKernel;
  readonly logCapacity: number;
  readonly agents: number;
  readonly rolloutKernel: BoundKernel;
  /** With values 'batched': the critic over every stored observation row, after the step loop. */
  readonly valuesKernel: BoundKernel | null;
  readonly values: RolloutValues;
  /** The composed WGSL module (the JS-environment policy step binds another entry point of it). */
  readonly code: string;
  readonly resetKernel: BoundKernel;
  /** The RolloutParams values; setUniformValues rewrites them. */
  readonly uniformValues: RolloutParamValues;

  constructor(readonly dev: WgrlDevice, readonly env: EnvSpec, readonly layout: PolicyLayout, readonly params: GPUBuffer, readonly opts: RolloutOptions) {
    validateEnvSpec(env);
    const { N, T } = opts;
    for (const [k, v] of Object.entries({ N, T })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`rollout: ${k} must be a positive integer, got ${v}`);
    }
    const agents = opts.agents ?? [{ seed: opts.seed, gamma: opts.gamma }];
    const K = agents.length;
    checkAgents('rollout', K);
    this.agents = K;
    if (K > 1 && (agentStride(params) === 0 || agentStride(params) % 4 !== 0)) {
      throw new Error(`rollout: ${K} agents need a per-agent parameter buffer (agentBuffer), got '${params.label}'`);
    }
    const maxGroups = dev.limits.maxComputeWorkgroupsPerDimension;
    if (Math.ceil(K * N / 64) > maxGroups * maxGroups) throw new Error(`rollout: ${K} × ${N} environments exceed this adapter's dispatch limits`);
    const G = opts.groupSize ?? 0;
    if (!Number.isInteger(G) || G < 0 || (G > 0 && N % G !== 0)) throw new Error(`rollout: groupSize must be 0 or an integer dividing N = ${N}, got ${G}`);
    if (opts.values !== undefined && !ROLLOUT_VALUES.includes(opts.values)) {
      throw new Error(`rollout: values must be one of ${ROLLOUT_VALUES.map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(opts.values)}`);
    }
    // Episodic groups keep 0 in the values of their masked rows: the step loop computes theirs.
    if (opts.values === 'batched' && G > 0) throw new Error(`rollout: batched values need continuing environments (episodic groups keep 0 in their masked rows); use 'per-step'`);
    const actDim = actionDim(env);
    this.traj = trajLayout(T, N, env.obsDim, actDim, layout.outDim);
    this.trajBuffer = agentBuffer(dev, `${env.id} trajectories`, K, this.traj.size);
    this.envState = dev.buffer(`${env.id} env state`, K * N * env.stateDim * 4);
    this.envBook = dev.buffer(`${env.id} episode book`, K * N * 16);
    this.logCapacity = opts.logCapacity ?? Math.min(T * N, 4096);
    this.episodes = dev.buffer(`${env.id} episode log`, this.episodeCountBytes + K * this.logCapacity * 16);
    const O = env.obsDim;
    // gym's RunningMeanStd starts at mean 0, var 1, count 1e-4.
    const initialStats = Float32Array.from([...new Array(O).fill(0), ...new Array(O).fill(1), 0, 1, 1e-4, 1e-4]);
    this.normStats = agentUpload(dev, `${env.id} normalisation stats`, agents.map(() => initialStats));
    this.normAcc = dev.buffer(`${env.id} normalisation sums`, K * N * (2 * O + 2) * 4);
    const table = new ArrayBuffer(K * AGENT_ROLLOUT.size * 4);
    agents.forEach((a, k) => {
      new Uint32Array(table, k * AGENT_ROLLOUT.size * 4)[AGENT_ROLLOUT.offset.seed] = a.seed >>> 0;
      new Float32Array(table, k * AGENT_ROLLOUT.size * 4)[AGENT_ROLLOUT.offset.rewardGamma] = a.gamma;
    });
    this.agentTable = dev.buffer(`${env.id} agent table`, table.byteLength);
    dev.write(this.agentTable, new Uint8Array(table));
    const subgroupWeights = hasSubgroupLanes(dev);
    const code = rolloutModule(env, layout, ACTIVATION_CODE[opts.activation], ENV_PRELUDE, { structs: [ROLLOUT_PARAMS, AGENT_ROLLOUT], agents: K, subgroupWeights });
    this.code = code;
    const t = this.traj;
    this.uniformValues = {
      N, T, counterBase: 0, maxEpisodeSteps: env.maxEpisodeSteps, logCapacity: this.logCapacity,
      obsNorm: opts.obsNorm ? 1 : 0, bootstrap: opts.bootstrapTruncation ? 1 : 0, rewardNorm: opts.rewardNorm ? 1 : 0,
      offObs: t.obs, offActions: t.actions, offLogp: t.logp, offDist: t.dist, offValues: t.values, offRewards: t.rewards,
      offTerm: t.terminated, offTrunc: t.truncated, offFinalValues: t.finalValues, offFinalObs: t.finalObs, offValid: t.valid,
      deterministic: opts.deterministic ? 1 : 0, groupSize: G,
      agentParams: agentStride(params), agentTraj: agentStride(this.trajBuffer), agentNormStats: agentStride(this.normStats),
    };
    const uniforms = ROLLOUT_PARAMS.uniforms(this.uniformValues);
    const bindings = { 1: params, 2: this.envState, 3: this.envBook, 4: this.trajBuffer, 5: this.episodes, 6: this.normStats, 7: this.normAcc, 9: params, 10: this.agentTable };
    const wg = opts.workgroupSize ?? rolloutWorkgroupSize(dev);
    const g = grid(K * N, wg, maxGroups);
    this.values = !layout.hasCritic ? 'none' : opts.values ?? (G > 0 ? 'per-step' : 'batched');
    // A subgroup's environments read their weights together where every one of them is in the
    // same forward pass of the same agent (shaders/shared_weights.wgsl): continuing environments,
    // N a multiple of the subgroup's lanes (the workgroup size is too); and for row_values one
    // agent's rows per subgroup.
    const lanes = SUBGROUP_LANES;
    const sharedStep = subgroupWeights && G === 0 && N % lanes === 0 && wg % lanes === 0;
    const sharedRows = subgroupWeights && (K === 1 || ((T + 1) * N) % lanes === 0) && wg % lanes === 0;
    this.rolloutKernel = new Kernel(dev, `rollout ${env.id}`, code, 'rollout', { ROLLOUT_WG: wg, STEP_VALUES: this.values === 'per-step', SHARED_STEP_WEIGHTS: sharedStep })
      .bind(bindings, uniforms, g, `rollout ${env.id}`);
    // row_values reads only the shapes and offsets of the uniforms, never the RNG counter.
    this.valuesKernel = this.values === 'batched'
      ? new Kernel(dev, `rollout ${env.id}`, code, 'row_values', { ROLLOUT_WG: wg, SHARED_ROW_WEIGHTS: sharedRows })
        .bind({ 1: params, 4: this.trajBuffer, 9: params, 10: this.agentTable }, uniforms, grid(K * (T + 1) * N, wg, maxGroups), `values ${env.id}`)
      : null;
    this.resetKernel = new Kernel(dev, `rollout ${env.id}`, code, 'reset_all', { ROLLOUT_WG: wg }).bind({ 2: this.envState, 3: this.envBook, 10: this.agentTable }, uniforms, g, `reset ${env.id}`);
    this.normUpdateKernel = new Kernel(dev, `rollout ${env.id}`, code, 'update_norm_stats')
      .bind({ 6: this.normStats, 7: this.normAcc, 10: this.agentTable }, uniforms, [1, 1, K], `normalisation update ${env.id}`);
  }

  /** Bytes of the per-agent episode counts at the start of the episode log (16-byte aligned). */
  get episodeCountBytes(): number { return 16 * Math.ceil(this.agents / 4); }

  /** The uniforms with some values changed (the JS-environment step rewrites its row and counter). */
  uniformsWith(changes: Partial<RolloutParamValues>): UniformField[] {
    return ROLLOUT_PARAMS.uniforms({ ...this.uniformValues, ...changes });
  }

  /** Sets the RNG counter of step 0 of the next rollout (iteration · T keeps draws disjoint). */
  setCounterBase(counterBase: number): void {
    this.uniformValues.counterBase = counterBase >>> 0;
    const uniforms = ROLLOUT_PARAMS.uniforms(this.uniformValues);
    this.rolloutKernel.setUniforms(uniforms);
    this.resetKernel.setUniforms(uniforms);
  }

  /** Records the rollout, the batched values pass, and with normalisation on the statistics update. */
  encode(pass: GPUComputePassEncoder): void {
    this.rolloutKernel.encode(pass);
    this.valuesKernel?.encode(pass);
    if (this.normalises) this.normUpdateKernel.encode(pass);
  }

  /** Whether the rollout keeps running observation or reward statistics (and updates them after each rollout). */
  get normalises(): boolean { return !!(this.opts.obsNorm || this.opts.rewardNorm); }

  /** Dispatches `encode` records. */
  get dispatchCount(): number { return 1 + (this.valuesKernel ? 1 : 0) + (this.normalises ? 1 : 0); }

  /** Frees the rollout's own buffers (not the parameters it reads). */
  destroy(): void {
    for (const b of [this.trajBuffer, this.envState, this.envBook, this.episodes, this.normStats, this.normAcc, this.agentTable]) b.destroy();
  }

  /** Records clearing the episode log; must precede the rollout pass in the same submit. */
  clearEpisodeLog(enc: GPUCommandEncoder): void {
    enc.clearBuffer(this.episodes, 0, this.episodeCountBytes);
  }

  /**
   * Decodes agent `agent`'s part of the episode log read back as raw bytes (the log of `agents`
   * agents at `byteOffset`): episodes it ended in this rollout, in (t, n) order.
   */
  static decodeEpisodes(raw: ArrayBuffer, byteOffset: number, capacity: number, agent = 0, agents = 1): { count: number; returns: number[]; lengths: number[] } {
    const count = new Uint32Array(raw, byteOffset, agents)[agent];
    const n = Math.min(count, capacity);
    const at = byteOffset + 16 * Math.ceil(agents / 4) + agent * capacity * 16;
    const f = new Float32Array(raw, at, n * 4), order = new Uint32Array(raw, at, n * 4);
    const idx = Array.from({ length: n }, (_, k) => k).sort((a, b) => order[4 * a + 2] - order[4 * b + 2]);
    return { count, returns: idx.map((k) => f[4 * k]), lengths: idx.map((k) => f[4 * k + 1]) };
  }
}
