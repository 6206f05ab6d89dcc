// The training engine, read top to bottom: one iteration = rollout pass + the algorithm's
// update plan in one submit, for one agent or K agents at once (src/gpu/agents.ts), then one
// small readback of every agent's metrics and ended episodes. It owns what every plan needs
// (rollout, parameters, optimiser state, per-iteration scalars, metrics, minibatch order, the
// training-state record a checkpoint saves) and knows no algorithm by
// name: src/algos/<name>.ts declares the objective, the plan and the host hook. Everything is
// allocated in the constructor; an iteration creates no GPU objects.
import { adapterName, BufferUsage, usableBytes, type WgrlDevice } from '../gpu/device.js';
import type { Dispatch } from '../gpu/kernel.js';
import { sharedStruct, type SharedStruct } from '../gpu/structs.js';
import { coefField, unionCoefficients } from '../gpu/compose.js';
import { adamPartialsSize } from '../kernels/adam.js';
import { actionDim, getEnv, type EnvSpec } from '../envs/spec.js';
import { initPolicyParams, type PolicyLayout } from '../nn/policy.js';
import { CpuRng } from '../util/random.js';
import { checkAgentConfigs, configLayout, DISCRETE_DEFAULTS, makeConfig, numIterationsOf, type TrainConfig } from './config.js';
import { Rollout, trajLayout } from './rollout.js';
import { agentBuffer, agentOffset, agentPitch, agentStrideFor, agentUpload, checkAgents } from '../gpu/agents.js';
import { hostSteppedEnvSpec, isJsEnvSpec, type JsEnvSpec } from '../envs/js_env.js';
import { JsRollout } from './js_rollout.js';
import { ALGORITHMS, getAlgorithm } from '../algos/registry.js';
import type { Algorithm, AlgorithmState, Objective, Plan } from '../algos/algorithm.js';
import { InputError } from '../errors.js';

/** The optimiser's state record (shaders/adam.wgsl `state`). */
export const ADAM_STATE = sharedStruct('AdamState', {
  step: { type: 'f32' }, gradNorm: { type: 'f32' }, clipCoef: { type: 'f32' }, stepSize: { type: 'f32' },
});

/**
 * The engine's per-iteration scalars, one record per agent (a storage record the kernels index
 * by SCALAR_* names): learning rate, the minibatch advantage statistics col_stats writes (sum,
 * mean, unbiased var), the agent's hyperparameters, the algorithm's objective coefficients, and
 * the Gaussian log-std at collection time.
 */
export function scalarsRecord(objectives: Algorithm | readonly Objective[], actDim: number): SharedStruct<string> {
  const list = Array.isArray(objectives) ? objectives : [(objectives as Algorithm).objective];
  return sharedStruct('UpdateScalars', {
    learningRate: { type: 'f32' }, advSum: { type: 'f32' }, advMean: { type: 'f32' }, advVar: { type: 'f32' },
    // The agent's hyperparameters (src/train/config.ts PER_AGENT_FIELDS read on the GPU).
    clipCoef: { type: 'f32', doc: 'ε of the value clip and of the clip-fraction diagnostic' }, entCoef: { type: 'f32' }, vfCoef: { type: 'f32' },
    gamma: { type: 'f32' }, gaeLambda: { type: 'f32' },
    ...Object.fromEntries(unionCoefficients(list).map((c) => [coefField(c), { type: 'f32' as const }])),
    objectiveIndex: { type: 'f32', doc: 'which of the pass\'s objectives this agent optimises (agents with different algorithms)' },
    oldLogstd: { type: 'f32', count: actDim },
  });
}

export interface IterationMetrics {
  iteration: number;
  global_step: number;
  'charts/episodic_return': number | null;
  'charts/episodic_length': number | null;
  'charts/episodes': number;
  'charts/mean_return_100': number | null;
  /** Tasks scored by success (EnvSpec.success): the fraction of the last (up to) 100 episodes that succeeded. */
  'charts/success_rate_100'?: number | null;
  /** CleanRL's: environment steps since this process's first iteration over the seconds since then. */
  'charts/SPS': number;
  'charts/learning_rate': number;
  'losses/policy_loss': number;
  'losses/value_loss': number;
  'losses/entropy': number;
  'losses/approx_kl': number;
  'losses/clipfrac': number;
  'losses/explained_variance': number;
  /** Exact mean per-state KL(π_old‖π_θ) over all minibatches of the iteration. */
  'charts/average_kld': number;
  'losses/mean_ratio': number;
  'losses/grad_norm': number;
  /** ppo-kl's penalty β used in this iteration. */
  'charts/beta'?: number;
  /** With --eval-every: the deterministic evaluation after this iteration (SB3's eval/mean_reward, eval/mean_ep_length). */
  'eval/mean_return'?: number;
  'eval/std_return'?: number;
  'eval/mean_length'?: number;
}

/**
 * The complete host state of one agent of a run; with the GPU buffers it is what a checkpoint
 * saves. Every agent of a pass is at the same iteration and step.
 */
export interface HostState {
  iteration: number;
  globalStep: number;
  permRngState: number;
  recentReturns: number[];
  episodesSeen: number;
  /** The algorithm's own state (ppo-kl: β). */
  algorithm: AlgorithmState;
}

/**
 * The trainer: one agent by default, or K agents in one pass (src/gpu/agents.ts), each with its
 * own config (differing only in PER_AGENT_FIELDS), parameters, optimiser, environments, RNG
 * streams and host state. Every GPU buffer below holds one copy per agent.
 */
export class Trainer {
  /** Agent 0's config (the shapes every agent shares). */
  readonly config: TrainConfig;
  /** Every agent's config. */
  readonly configs: TrainConfig[];
  /** Every agent's own overrides, as given (checkpoints record them beside each agent's full config). */
  readonly agentOverrides: Partial<TrainConfig>[];
  readonly agents: number;
  readonly env: EnvSpec;
  readonly layout: PolicyLayout;
  readonly batchSize: number;
  readonly minibatchSize: number;
  readonly numIterations: number;
  readonly rollout: Rollout;
  /** GPU state that a checkpoint saves. */
  readonly params: GPUBuffer;
  readonly adamM: GPUBuffer;
  readonly adamV: GPUBuffer;
  readonly adamState: GPUBuffer;
  /** Every agent's host state. */
  hosts: HostState[];

  /** Agent 0's algorithm (its plan and metrics record are every agent's). */
  readonly algorithm: Algorithm;
  /** Every agent's algorithm: agents of one pass may differ in the objective where the plan is the same. */
  readonly algorithms: Algorithm[];
  /** The distinct objectives of the pass, and each agent's index into them. */
  readonly objectives: Objective[];
  private readonly objectiveOf: number[];
  /** The algorithm's update, built once. */
  readonly plan: Plan;
  private readonly grads: GPUBuffer;
  private readonly scalars: GPUBuffer;
  private readonly scalarsRecord: SharedStruct<string>;
  private readonly perm: GPUBuffer;
  private readonly permHost: Uint32Array;
  private readonly metrics: GPUBuffer;
  private readonly report: GPUBuffer;
  private readonly reportAdamOffset: number;
  private readonly reportEpisodesOffset: number;
  private readonly passes: Dispatch[];
  private readonly permRngs: CpuRng[];

  /** Set when the environments are JS objects stepped on the host. */
  readonly jsRollout: JsRollout | null;

  /**
   * `overrides` configure every agent; `agents` (default: one agent, no changes) gives each
   * agent's own overrides on top, e.g. [{ seed: 1 }, { seed: 2 }] for two seeds in one pass.
   */
  constructor(readonly dev: WgrlDevice, overrides: Partial<TrainConfig> = {}, envSpec?: EnvSpec | JsEnvSpec, agents: Partial<TrainConfig>[] = [{}]) {
    const jsSpec = envSpec && isJsEnvSpec(envSpec) ? envSpec : null;
    this.env = jsSpec ? hostSteppedEnvSpec(jsSpec) : (envSpec as EnvSpec | undefined) ?? getEnv(overrides.env ?? 'CartPole-v1');
    const continuous = this.env.action.type === 'continuous';
    const algo = overrides.algo ?? DISCRETE_DEFAULTS.algo;
    if (jsSpec && (ALGORITHMS as Record<string, Algorithm>)[algo]?.episodicGroups) {
      throw new InputError(`JS environment '${jsSpec.id}': --algo ${algo} restarts groups of environments from one shared state, which needs a GPU environment (its state is on the GPU); write the environment in WGSL, or choose another algorithm`);
    }
    if (!Array.isArray(agents) || agents.length < 1) throw new InputError(`--num-agents must be at least 1, got ${Array.isArray(agents) ? agents.length : agents}`);
    this.agentOverrides = agents.map((a) => ({ ...a }));
    this.configs = agents.map((a) => makeConfig({ ...overrides, ...a, env: this.env.id }, continuous, this.env));
    checkAgentConfigs(this.configs);
    this.config = this.configs[0];
    const c = this.config, K = this.agents = this.configs.length;
    this.algorithm = getAlgorithm(c.algo);
    this.algorithms = this.configs.map((ck) => getAlgorithm(ck.algo));
    for (const a of new Set(this.algorithms)) checkManyAgents(a, K);
    for (const a of this.algorithms) {
      if (a.plan !== this.algorithm.plan || a.metrics !== this.algorithm.metrics) {
        throw new InputError(`agents of one pass share one update: --algo ${this.algorithm.name} and ${a.name} have different plans; run them as separate passes`);
      }
    }
    this.objectives = [...new Set(this.algorithms.map((a) => a.objective))];
    this.objectiveOf = this.algorithms.map((a) => this.objectives.indexOf(a.objective));
    if (K > 1 && jsSpec) throw new InputError(`JS environment '${jsSpec.id}': one agent per pass (the host steps one set of environments); run its seeds one after another`);
    const groupSize = this.algorithm.episodicGroups?.(c) ?? 0;
    if (jsSpec && (c.normObs || c.normReward || c.bootstrapTruncation)) {
      throw new InputError(`JS environment '${jsSpec.id}': --norm-obs, --norm-reward and --bootstrap-truncation are not supported on the host-stepped path yet; set them to false`);
    }
    const N = c.numEnvs, T = c.numSteps;
    this.batchSize = N * T;
    this.minibatchSize = this.batchSize / c.numMinibatches;
    this.numIterations = numIterationsOf(c);
    const D = actionDim(this.env);
    this.layout = configLayout(this.env, c);
    const L = this.layout, P = L.size;
    this.scalarsRecord = scalarsRecord(this.objectives, D);
    checkAgentsFit(dev, this.env, c, L, K);

    // ---- parameters, optimiser state, scalars, metrics (allocated once, one copy per agent)
    this.params = agentUpload(dev, 'params', this.configs.map((ck) => initPolicyParams(L, ck.seed)));
    this.grads = agentBuffer(dev, 'grads', K, P);
    this.adamM = agentBuffer(dev, 'adam m', K, P);
    this.adamV = agentBuffer(dev, 'adam v', K, P);
    this.adamState = agentBuffer(dev, 'adam state', K, ADAM_STATE.size);
    const adamPartials = agentBuffer(dev, 'adam partials', K, adamPartialsSize(P));
    this.scalars = agentBuffer(dev, 'scalars', K, this.scalarsRecord.size);
    this.perm = agentBuffer(dev, 'permutations', K, c.updateEpochs * this.batchSize);
    this.permHost = new Uint32Array(K * agentPitch(this.perm, c.updateEpochs * this.batchSize));
    const metricsRecord = this.algorithm.metrics;
    this.metrics = agentBuffer(dev, 'metrics', K, metricsRecord.size);

    // ---- rollout pass
    this.rollout = new Rollout(dev, this.env, L, this.params, {
      N, T, seed: c.seed, bootstrapTruncation: c.bootstrapTruncation, obsNorm: c.normObs, rewardNorm: c.normReward,
      gamma: c.gamma, activation: c.activation, groupSize, agents: this.configs.map((ck) => ({ seed: ck.seed, gamma: ck.gamma })),
      // A JS environment's policy step (policy_act) computes its values itself.
      ...(jsSpec ? { values: 'none' as const } : {}),
    });
    this.jsRollout = jsSpec ? new JsRollout(dev, jsSpec, this.rollout, c.seed) : null;
    // Readback: every agent's update metrics, Adam's state, the episode log.
    this.reportAdamOffset = Math.ceil(usableBytes(this.metrics) / 16) * 16;
    this.reportEpisodesOffset = this.reportAdamOffset + Math.ceil(usableBytes(this.adamState) / 16) * 16;
    this.report = dev.buffer('report', this.reportEpisodesOffset + usableBytes(this.rollout.episodes),
      BufferUsage.COPY_DST | BufferUsage.COPY_SRC | BufferUsage.STORAGE);

    // ---- the algorithm's update
    this.plan = this.algorithm.plan({
      dev, config: c, env: this.env, layout: L, rollout: this.rollout, algorithm: this.algorithm, objectives: this.objectives, batchSize: this.batchSize, agents: K,
      buffers: { params: this.params, grads: this.grads, adamM: this.adamM, adamV: this.adamV, adamState: this.adamState, adamPartials,
        scalars: this.scalars, metrics: this.metrics, permutations: this.perm },
      scalars: this.scalarsRecord, metrics: metricsRecord,
    });
    this.passes = this.plan.stages.flatMap((st) => st.dispatches);
    this.permRngs = this.configs.map((ck) => new CpuRng(ck.seed ^ 0x9e3779b9));
    this.hosts = this.configs.map((ck, k) => ({
      iteration: 0, globalStep: 0, permRngState: this.permRngs[k].state, recentReturns: [], episodesSeen: 0, algorithm: this.algorithms[k].initialState(ck),
    }));

    // Reset every environment (counter 0 of purpose 2 keys the initial states).
    dev.submit('reset environments', (pass) => this.rollout.resetKernel.encode(pass));
  }

  /** Agent 0's host state (iteration and step are every agent's). */
  get host(): HostState { return this.hosts[0]; }
  set host(h: HostState) { this.hosts[0] = h; }

  get adapter(): string { return adapterName(this.dev.adapter); }

  /** Dispatches recorded per iteration (rollout, values, GAE, every minibatch's kernels), for all agents together. */
  get dispatchesPerIteration(): number { return (this.jsRollout ? 0 : this.rollout.dispatchCount) + this.passes.length; }

  get done(): boolean { return this.host.iteration >= this.numIterations; }

  /**
   * Host time of the last iteration, in ms: preparing its inputs (scalars, permutations),
   * submitting and recording the next iteration's commands (the GPU runs meanwhile), waiting for
   * the readback (the GPU's work plus the transfer), and decoding the report. The GPU idles
   * during the preparing, the submit and the decoding.
   */
  readonly lastTiming = { prepareMs: 0, submitMs: 0, recordNextMs: 0, waitMs: 0, decodeMs: 0 };

  /** When and at which step this process's first iteration started (for charts/SPS). */
  private segmentStart: { ms: number; step: number } | null = null;

  /** One rollout and one update of the single agent (see iterateAgents for several). */
  async iterate(): Promise<IterationMetrics> {
    if (this.agents !== 1) throw new Error(`this trainer has ${this.agents} agents: call iterateAgents(), which returns every agent's metrics`);
    return (await this.iterateAgents())[0];
  }

  /** One rollout and one update of every agent (one submit, one readback); each agent's metrics. */
  async iterateAgents(): Promise<IterationMetrics[]> {
    const K = this.agents, rec = this.scalarsRecord, E = this.config.updateEpochs;
    const t0 = performance.now();
    const iteration = this.host.iteration;
    this.segmentStart ??= { ms: t0, step: this.host.globalStep };
    // Before the submit, per agent: learning rate, hyperparameters, objective coefficients,
    // this iteration's permutations; then the RNG counter.
    const scalarStride = agentPitch(this.scalars, rec.size), permStride = agentPitch(this.perm, E * this.batchSize);
    const scalars = new Float32Array((K - 1) * scalarStride + rec.offset.oldLogstd);
    const lrs = this.configs.map((ck, k) => {
      const h = this.hosts[k], at = k * scalarStride;
      const lr = ck.annealLr ? (1 - h.iteration / this.numIterations) * ck.learningRate : ck.learningRate;
      const values: Record<string, number> = {
        learningRate: lr, clipCoef: ck.clipCoef, entCoef: ck.entCoef, vfCoef: ck.vfCoef, gamma: ck.gamma, gaeLambda: ck.gaeLambda, objectiveIndex: this.objectiveOf[k],
      };
      for (const [name, v] of Object.entries(this.algorithms[k].objective.coefficientValues(ck, h.algorithm))) values[coefField(name)] = v;
      for (const [name, v] of Object.entries(values)) scalars[at + rec.offset[name]] = v;
      const rng = this.permRngs[k];
      rng.state = h.permRngState;
      for (let e = 0; e < E; e++) rng.permutation(this.permHost.subarray(k * permStride + e * this.batchSize, k * permStride + (e + 1) * this.batchSize));
      h.permRngState = rng.state;
      return lr;
    });
    this.dev.write(this.scalars, scalars);
    this.dev.write(this.perm, this.permHost);
    this.rollout.setCounterBase(iteration * this.config.numSteps);
    const hostEpisodes = this.jsRollout ? await this.jsRollout.collect(iteration * this.config.numSteps) : null;

    const ro = this.rollout;
    const tSubmit = performance.now();
    this.dev.submitRecorded(`iteration ${iteration}`, this.nextCommands ?? this.recordIteration());
    const tRecord = performance.now();
    // The next iteration's commands, recorded while the GPU runs this one's.
    this.nextCommands = iteration + 1 < this.numIterations ? this.recordIteration() : null;
    const tWait = performance.now();
    const raw = await this.dev.read(this.report);
    const tDecode = performance.now();

    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const sps = (this.host.globalStep + this.batchSize - this.segmentStart.step) / ((performance.now() - this.segmentStart.ms) / 1000);
    const metricsStride = agentPitch(this.metrics, this.algorithm.metrics.size), adamStride = agentPitch(this.adamState, ADAM_STATE.size);
    const out = this.configs.map((ck, k) => {
      const h = this.hosts[k];
      const update = this.algorithm.metrics.decode(new Float32Array(raw, k * metricsStride * 4, this.algorithm.metrics.size));
      const adamState = ADAM_STATE.decode(new Float32Array(raw, this.reportAdamOffset + k * adamStride * 4, ADAM_STATE.size));
      const eps = hostEpisodes ?? Rollout.decodeEpisodes(raw, this.reportEpisodesOffset, ro.logCapacity, k, K);
      h.recentReturns = [...h.recentReturns, ...eps.returns].slice(-100);
      h.episodesSeen += eps.count;
      const m: IterationMetrics = {
        iteration: iteration + 1,
        global_step: (iteration + 1) * this.batchSize,
        'charts/episodic_return': mean(eps.returns),
        'charts/episodic_length': mean(eps.lengths),
        'charts/episodes': eps.count,
        'charts/mean_return_100': mean(h.recentReturns),
        ...(this.env.success ? { 'charts/success_rate_100': this.successRate100Of(k) } : {}),
        'charts/SPS': sps,
        'charts/learning_rate': lrs[k],
        ...(this.algorithms[k].report(update) as Partial<IterationMetrics>),
        'losses/grad_norm': adamState.gradNorm,
      } as IterationMetrics;
      for (const key of ['losses/policy_loss', 'losses/value_loss', 'losses/entropy'] as const) {
        if (key in m && !Number.isFinite(m[key])) {
          throw new Error(`training diverged at iteration ${iteration + 1}${K > 1 ? ` in agent ${k} (seed ${ck.seed})` : ''}: ${key} is ${m[key]}. ` +
            `Lower --learning-rate, keep --max-grad-norm > 0, or turn on --norm-obs/--norm-reward for unbounded observations or rewards.`);
        }
      }
      Object.assign(m, this.algorithms[k].afterIteration?.(ck, h.algorithm, update));
      return m;
    });
    Object.assign(this.lastTiming, { prepareMs: tSubmit - t0, submitMs: tRecord - tSubmit, recordNextMs: tWait - tRecord, waitMs: tDecode - tWait, decodeMs: performance.now() - tDecode });
    for (const h of this.hosts) { h.iteration++; h.globalStep = out[0].global_step; }
    return out;
  }

  /**
   * An iteration's commands: clear the episode log, copy the log-std at collection time, the
   * rollout and every stage of the plan in one pass, then the report's copies. They are the same
   * every iteration (what changes are the scalars, permutations and uniforms, written before the
   * submit), so each iteration's are recorded while the GPU runs the one before.
   */
  private recordIteration(): GPUCommandBuffer {
    const ro = this.rollout, D = actionDim(this.env), L = this.layout, rec = this.scalarsRecord;
    return this.dev.record('iteration', (enc) => {
      ro.clearEpisodeLog(enc);
      // The Gaussian log-std at collection time, per agent.
      if (L.continuous) {
        for (let k = 0; k < this.agents; k++) enc.copyBufferToBuffer(this.params, (agentOffset(this.params, k) + L.logstd) * 4, this.scalars, (agentOffset(this.scalars, k) + rec.offset.oldLogstd) * 4, D * 4);
      }
      const pass = enc.beginComputePass({ label: 'iteration' });
      if (!this.jsRollout) ro.encode(pass);
      for (const d of this.passes) d.encode(pass);
      pass.end();
      enc.copyBufferToBuffer(this.metrics, 0, this.report, 0, this.metrics.size);
      enc.copyBufferToBuffer(this.adamState, 0, this.report, this.reportAdamOffset, this.adamState.size);
      enc.copyBufferToBuffer(ro.episodes, 0, this.report, this.reportEpisodesOffset, ro.episodes.size);
    });
  }

  /** The next iteration's commands (recordIteration), or null where they are recorded at submit. */
  private nextCommands: GPUCommandBuffer | null = null;

  /** Tasks scored by success: the fraction of agent k's last (up to) 100 ended episodes that succeeded. */
  successRate100Of(k: number): number | null {
    const r = this.hosts[k].recentReturns, s = this.env.success;
    return s && r.length ? r.filter((x) => x >= s.minReturn).length / r.length : null;
  }

  /** Agent 0's success rate (successRate100Of). */
  get successRate100(): number | null { return this.successRate100Of(0); }

  /** Mean return over agent k's last (up to) 100 ended episodes. */
  meanReturn100Of(k: number): number | null {
    const r = this.hosts[k].recentReturns;
    return r.length ? r.reduce((a, b) => a + b, 0) / r.length : null;
  }

  /** Agent 0's mean return over its last (up to) 100 ended episodes. */
  get meanReturn100(): number | null { return this.meanReturn100Of(0); }
}

/** Throws unless the algorithm's plan runs `agents` agents in one pass (Algorithm.manyAgents). */
export function checkManyAgents(algorithm: Algorithm, agents: number): void {
  if (agents > 1 && !algorithm.manyAgents) {
    throw new InputError(`--algo ${algorithm.name} trains one agent per pass; ${agents} agents in one pass work with ${Object.values(ALGORITHMS).filter((x) => x.manyAgents).map((x) => x.name).join(', ')}. Run its seeds one after another`);
  }
}

/**
 * The most agents of this config one pass can hold on this adapter: the largest per-agent
 * buffer times K against the storage-binding and buffer limits, and the dispatch limits; with
 * which limit binds and why.
 */
export function maxAgentsThatFit(dev: WgrlDevice, env: EnvSpec, c: TrainConfig, L: PolicyLayout): { agents: number; why: string } {
  const batch = c.numEnvs * c.numSteps, B = batch / c.numMinibatches, D = actionDim(env);
  const traj = trajLayout(c.numSteps, c.numEnvs, env.obsDim, D, L.outDim);
  const hmax = Math.max(...L.actor.dims, ...L.critic.dims);
  // Elements per agent of the largest per-agent buffers (trajectories, permutations, scratch).
  const perAgent = Math.max(agentStrideFor(traj.size), agentStrideFor(c.updateEpochs * batch), agentStrideFor(2 * B * hmax), agentStrideFor(L.size));
  const limit = Math.min(dev.limits.maxStorageBufferBindingSize, dev.limits.maxBufferSize);
  const maxByMemory = Math.floor(limit / (perAgent * 4));
  // Matmuls dispatch (actor, critic) × agents along z; the rollout K·N invocations.
  const maxGroups = dev.limits.maxComputeWorkgroupsPerDimension;
  const maxByDispatch = Math.min(Math.floor(maxGroups / 2), Math.floor(maxGroups * maxGroups * 64 / c.numEnvs));
  return maxByMemory < maxByDispatch
    ? { agents: maxByMemory, why: `each agent needs ${(perAgent * 4 / 2 ** 20).toFixed(1)} MiB in its largest buffer and one buffer may hold ${(limit / 2 ** 20).toFixed(0)} MiB` }
    : { agents: maxByDispatch, why: `the dispatch limits (${maxGroups} workgroups per dimension) allow ${maxByDispatch}` };
}

/** Throws, before any allocation, when K agents do not fit this adapter, saying the largest K that does. */
export function checkAgentsFit(dev: WgrlDevice, env: EnvSpec, c: TrainConfig, L: PolicyLayout, K: number): void {
  checkAgents('--num-agents', K);
  const fit = maxAgentsThatFit(dev, env, c, L);
  if (K > fit.agents) throw new InputError(`--num-agents ${K} does not fit this adapter: ${fit.why}; the largest number of agents that fits with this config is ${fit.agents}`);
}
