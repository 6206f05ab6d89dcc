// The training engine, read top to bottom: one iteration = rollout pass + the algorithm's
// update plan in one submit, then one small readback of metrics and ended episodes. It owns
// what every plan needs (rollout, parameters, optimiser state, per-iteration scalars, metrics,
// minibatch order, the training-state record a checkpoint saves) and knows no algorithm by
// name: src/algos/<name>.ts declares the objective, the plan and the host hook. Everything is
// allocated in the constructor; an iteration creates no GPU objects.
import { adapterName, BufferUsage, type WgrlDevice } from '../gpu/device.js';
import type { Dispatch } from '../gpu/kernel.js';
import { sharedStruct, type SharedStruct } from '../gpu/structs.js';
import { coefField } from '../gpu/compose.js';
import { adamPartialsSize } from '../kernels/adam.js';
import { actionDim, getEnv, type EnvSpec } from '../envs/spec.js';
import { initPolicyParams, type PolicyLayout } from '../nn/policy.js';
import { CpuRng } from '../util/random.js';
import { configLayout, DISCRETE_DEFAULTS, makeConfig, numIterationsOf, type TrainConfig } from './config.js';
import { Rollout } from './rollout.js';
import { hostSteppedEnvSpec, isJsEnvSpec, type JsEnvSpec } from '../envs/js_env.js';
import { JsRollout } from './js_rollout.js';
import { ALGORITHMS, getAlgorithm } from '../algos/registry.js';
import type { Algorithm, AlgorithmState, Plan } from '../algos/algorithm.js';
import { InputError } from '../errors.js';

/** The optimiser's state record (shaders/adam.wgsl `state`). */
export const ADAM_STATE = sharedStruct('AdamState', {
  step: { type: 'f32' }, gradNorm: { type: 'f32' }, clipCoef: { type: 'f32' }, stepSize: { type: 'f32' },
});

/**
 * The engine's per-iteration scalars (a storage record the kernels index by SCALAR_* names):
 * learning rate, the minibatch advantage statistics col_stats writes (sum, mean, unbiased var),
 * the algorithm's objective coefficients, and the Gaussian log-std at collection time.
 */
export function scalarsRecord(algorithm: Algorithm, actDim: number): SharedStruct<string> {
  return sharedStruct('UpdateScalars', {
    learningRate: { type: 'f32' }, advSum: { type: 'f32' }, advMean: { type: 'f32' }, advVar: { type: 'f32' },
    ...Object.fromEntries(algorithm.objective.coefficients.map((c) => [coefField(c), { type: 'f32' as const }])),
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

/** The complete host state of a run; with the GPU buffers it is what a checkpoint saves. */
export interface HostState {
  iteration: number;
  globalStep: number;
  permRngState: number;
  recentReturns: number[];
  episodesSeen: number;
  /** The algorithm's own state (ppo-kl: β). */
  algorithm: AlgorithmState;
}

export class Trainer {
  readonly config: TrainConfig;
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
  host: HostState;

  readonly algorithm: Algorithm;
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
  private readonly permRng: CpuRng;

  /** Set when the environments are JS objects stepped on the host. */
  readonly jsRollout: JsRollout | null;

  constructor(readonly dev: WgrlDevice, overrides: Partial<TrainConfig> = {}, envSpec?: EnvSpec | JsEnvSpec) {
    const jsSpec = envSpec && isJsEnvSpec(envSpec) ? envSpec : null;
    this.env = jsSpec ? hostSteppedEnvSpec(jsSpec) : (envSpec as EnvSpec | undefined) ?? getEnv(overrides.env ?? 'CartPole-v1');
    const continuous = this.env.action.type === 'continuous';
    const algo = overrides.algo ?? DISCRETE_DEFAULTS.algo;
    if (jsSpec && (ALGORITHMS as Record<string, Algorithm>)[algo]?.episodicGroups) {
      throw new InputError(`JS environment '${jsSpec.id}': --algo ${algo} restarts groups of environments from one shared state, which needs a GPU environment (its state is on the GPU); write the environment in WGSL, or choose another algorithm`);
    }
    this.config = makeConfig({ ...overrides, env: this.env.id }, continuous, this.env);
    const c = this.config;
    this.algorithm = getAlgorithm(c.algo);
    const groupSize = this.algorithm.episodicGroups?.(c) ?? 0;
    if (jsSpec && (c.normObs || c.normReward || c.bootstrapTruncation)) {
      throw new InputError(`JS environment '${jsSpec.id}': --norm-obs, --norm-reward and --bootstrap-truncation are not supported on the host-stepped path yet; set them to false`);
    }
    const N = c.numEnvs, T = c.numSteps;
    this.batchSize = N * T;
    this.minibatchSize = this.batchSize / c.numMinibatches;
    this.numIterations = numIterationsOf(c);
    const D = actionDim(this.env);

    // ---- parameters, optimiser state, scalars, metrics (allocated once)
    this.layout = configLayout(this.env, c);
    const L = this.layout, P = L.size;
    this.params = dev.upload('params', initPolicyParams(L, c.seed));
    this.grads = dev.buffer('grads', P * 4);
    this.adamM = dev.upload('adam m', new Float32Array(P));
    this.adamV = dev.upload('adam v', new Float32Array(P));
    this.adamState = dev.upload('adam state', new Float32Array(ADAM_STATE.size));
    const adamPartials = dev.buffer('adam partials', adamPartialsSize(P) * 4);
    this.scalarsRecord = scalarsRecord(this.algorithm, D);
    this.scalars = dev.buffer('scalars', this.scalarsRecord.size * 4);
    this.perm = dev.buffer('permutations', c.updateEpochs * this.batchSize * 4);
    this.permHost = new Uint32Array(c.updateEpochs * this.batchSize);
    const metricsRecord = this.algorithm.metrics;
    this.metrics = dev.buffer('metrics', metricsRecord.size * 4);

    // ---- rollout pass
    this.rollout = new Rollout(dev, this.env, L, this.params, {
      N, T, seed: c.seed, bootstrapTruncation: c.bootstrapTruncation, obsNorm: c.normObs, rewardNorm: c.normReward,
      gamma: c.gamma, activation: c.activation, groupSize,
    });
    this.jsRollout = jsSpec ? new JsRollout(dev, jsSpec, this.rollout, c.seed) : null;
    // Readback: update metrics, Adam's state, the episode log.
    this.reportAdamOffset = metricsRecord.size * 4;
    this.reportEpisodesOffset = this.reportAdamOffset + ADAM_STATE.size * 4;
    this.report = dev.buffer('report', this.reportEpisodesOffset + 16 + this.rollout.logCapacity * 16,
      BufferUsage.COPY_DST | BufferUsage.COPY_SRC | BufferUsage.STORAGE);

    // ---- the algorithm's update
    this.plan = this.algorithm.plan({
      dev, config: c, env: this.env, layout: L, rollout: this.rollout, algorithm: this.algorithm, batchSize: this.batchSize,
      buffers: { params: this.params, grads: this.grads, adamM: this.adamM, adamV: this.adamV, adamState: this.adamState, adamPartials,
        scalars: this.scalars, metrics: this.metrics, permutations: this.perm },
      scalars: this.scalarsRecord, metrics: metricsRecord,
    });
    this.passes = this.plan.stages.flatMap((s) => s.dispatches);
    this.permRng = new CpuRng(c.seed ^ 0x9e3779b9);
    this.host = { iteration: 0, globalStep: 0, permRngState: this.permRng.state, recentReturns: [], episodesSeen: 0, algorithm: this.algorithm.initialState(c) };

    // Reset every environment (counter 0 of purpose 2 keys the initial states).
    dev.submit('reset environments', (pass) => this.rollout.resetKernel.encode(pass));
  }

  get adapter(): string { return adapterName(this.dev.adapter); }

  /** Dispatches recorded per iteration (rollout, GAE, every minibatch's kernels). */
  get dispatchesPerIteration(): number { return 1 + this.passes.length; }

  get done(): boolean { return this.host.iteration >= this.numIterations; }

  /**
   * Host time of the last iteration, in ms: preparing its inputs (scalars, permutations),
   * encoding and submitting, waiting for the readback (the GPU's work plus the transfer), and
   * decoding the report. The GPU idles during all but the wait.
   */
  readonly lastTiming = { prepareMs: 0, encodeSubmitMs: 0, waitMs: 0, decodeMs: 0 };

  /** When and at which step this process's first iteration started (for charts/SPS). */
  private segmentStart: { ms: number; step: number } | null = null;

  /** One rollout and one update. Returns the iteration's metrics (one readback). */
  async iterate(): Promise<IterationMetrics> {
    const c = this.config, h = this.host, rec = this.scalarsRecord;
    const t0 = performance.now();
    this.segmentStart ??= { ms: t0, step: h.globalStep };
    const frac = 1 - h.iteration / this.numIterations;
    const lr = c.annealLr ? frac * c.learningRate : c.learningRate;
    // Before the submit: learning rate, objective coefficients, this iteration's
    // permutations, the RNG counter.
    const scalars = new Float32Array(rec.offset.oldLogstd);
    scalars[rec.offset.learningRate] = lr;
    for (const [name, v] of Object.entries(this.algorithm.objective.coefficientValues(c, h.algorithm))) scalars[rec.offset[coefField(name)]] = v;
    this.dev.write(this.scalars, scalars);
    this.permRng.state = h.permRngState;
    for (let e = 0; e < c.updateEpochs; e++) this.permRng.permutation(this.permHost.subarray(e * this.batchSize, (e + 1) * this.batchSize));
    h.permRngState = this.permRng.state;
    this.dev.write(this.perm, this.permHost);
    this.rollout.setCounterBase(h.iteration * c.numSteps);
    const hostEpisodes = this.jsRollout ? await this.jsRollout.collect(h.iteration * c.numSteps) : null;

    const ro = this.rollout, D = actionDim(this.env);
    const tSubmit = performance.now();
    this.dev.submitEncoder(`iteration ${h.iteration}`, (enc) => {
      ro.clearEpisodeLog(enc);
      if (this.layout.continuous) enc.copyBufferToBuffer(this.params, this.layout.logstd * 4, this.scalars, rec.offset.oldLogstd * 4, D * 4);
      const pass = enc.beginComputePass({ label: `iteration ${h.iteration}` });
      if (!this.jsRollout) ro.encode(pass);
      for (const d of this.passes) d.encode(pass);
      pass.end();
      enc.copyBufferToBuffer(this.metrics, 0, this.report, 0, this.metrics.size);
      enc.copyBufferToBuffer(this.adamState, 0, this.report, this.reportAdamOffset, ADAM_STATE.size * 4);
      enc.copyBufferToBuffer(ro.episodes, 0, this.report, this.reportEpisodesOffset, ro.episodes.size);
    });
    const tWait = performance.now();
    const raw = await this.dev.read(this.report);
    const tDecode = performance.now();

    const update = this.algorithm.metrics.decode(new Float32Array(raw, 0, this.algorithm.metrics.size));
    const adamState = ADAM_STATE.decode(new Float32Array(raw, this.reportAdamOffset, ADAM_STATE.size));
    const eps = hostEpisodes ?? Rollout.decodeEpisodes(raw, this.reportEpisodesOffset, ro.logCapacity);
    h.recentReturns = [...h.recentReturns, ...eps.returns].slice(-100);
    h.episodesSeen += eps.count;
    const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    const out: IterationMetrics = {
      iteration: h.iteration + 1,
      global_step: (h.iteration + 1) * this.batchSize,
      'charts/episodic_return': mean(eps.returns),
      'charts/episodic_length': mean(eps.lengths),
      'charts/episodes': eps.count,
      'charts/mean_return_100': mean(h.recentReturns),
      ...(this.env.success ? { 'charts/success_rate_100': this.successRate100 } : {}),
      'charts/SPS': (h.globalStep + this.batchSize - this.segmentStart.step) / ((performance.now() - this.segmentStart.ms) / 1000),
      'charts/learning_rate': lr,
      ...(this.algorithm.report(update) as Partial<IterationMetrics>),
      'losses/grad_norm': adamState.gradNorm,
    } as IterationMetrics;
    for (const k of ['losses/policy_loss', 'losses/value_loss', 'losses/entropy'] as const) {
      if (k in out && !Number.isFinite(out[k])) {
        throw new Error(`training diverged at iteration ${h.iteration + 1}: ${k} is ${out[k]}. ` +
          `Lower --learning-rate, keep --max-grad-norm > 0, or turn on --norm-obs/--norm-reward for unbounded observations or rewards.`);
      }
    }
    Object.assign(out, this.algorithm.afterIteration?.(c, h.algorithm, update));
    Object.assign(this.lastTiming, { prepareMs: tSubmit - t0, encodeSubmitMs: tWait - tSubmit, waitMs: tDecode - tWait, decodeMs: performance.now() - tDecode });
    h.iteration++;
    h.globalStep = out.global_step;
    return out;
  }

  /** Tasks scored by success: the fraction of the last (up to) 100 ended episodes that succeeded. */
  get successRate100(): number | null {
    const r = this.host.recentReturns, s = this.env.success;
    return s && r.length ? r.filter((x) => x >= s.minReturn).length / r.length : null;
  }

  /** Mean return over the last (up to) 100 ended episodes. */
  get meanReturn100(): number | null {
    const r = this.host.recentReturns;
    return r.length ? r.reduce((a, b) => a + b, 0) / r.length : null;
  }
}

