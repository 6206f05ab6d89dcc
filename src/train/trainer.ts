// The training loop, read top to bottom: one iteration = rollout pass + update pass in one
// submit, then one small readback of metrics and ended episodes. Everything is allocated in
// the constructor; an iteration creates no GPU objects.
import { adapterName, BufferUsage, wgsl, wgslFunctions, type WgrlDevice } from '../gpu/device.js';
import { Kernel, grid, type BoundKernel, type UniformField } from '../gpu/kernel.js';
import { adam, adamPartialsSize } from '../kernels/adam.js';
import { colStats, colSum } from '../kernels/reduce.js';
import { ALGO_CODE } from '../kernels/objectives.js';
import { actionDim, getEnv, type EnvSpec } from '../envs/spec.js';
import { initPolicyParams, policyLayout, type PolicyLayout } from '../nn/policy.js';
import { mlpBackwardNets, mlpForwardNets, type MlpBackwardSlots } from '../nn/mlp.js';
import { CpuRng } from '../util/random.js';
import { makeConfig, type TrainConfig } from './config.js';
import { Rollout } from './rollout.js';
import { selectActionSection } from '../envs/batch.js';
import { hostSteppedEnvSpec, isJsEnvSpec, type JsEnvSpec } from '../envs/js_env.js';
import { JsRollout } from './js_rollout.js';
import { InputError } from '../errors.js';

/** Per-sample diagnostics averaged over every minibatch of an iteration (shaders/train.wgsl DIAG). */
const DIAG = ['losses/policy_loss', 'losses/value_loss', 'losses/entropy', 'charts/average_kld', 'losses/approx_kl', 'losses/clipfrac', 'losses/mean_ratio'] as const;
const METRICS_LEN = 16;

export interface IterationMetrics {
  iteration: number;
  global_step: number;
  'charts/episodic_return': number | null;
  'charts/episodic_length': number | null;
  'charts/episodes': number;
  'charts/mean_return_100': number | null;
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
}

/** The complete host state of a run; with the GPU buffers it is what a checkpoint saves. */
export interface HostState {
  iteration: number;
  globalStep: number;
  beta: number;
  permRngState: number;
  recentReturns: number[];
  episodesSeen: number;
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

  private readonly grads: GPUBuffer;
  private readonly scalars: GPUBuffer;
  private readonly perm: GPUBuffer;
  private readonly permHost: Uint32Array;
  private readonly metrics: GPUBuffer;
  private readonly report: GPUBuffer;
  private readonly reportEpisodesOffset: number;
  private readonly passes: BoundKernel[];
  private readonly permRng: CpuRng;

  /** Set when the environments are JS objects stepped on the host. */
  readonly jsRollout: JsRollout | null;

  constructor(readonly dev: WgrlDevice, overrides: Partial<TrainConfig> = {}, envSpec?: EnvSpec | JsEnvSpec) {
    const jsSpec = envSpec && isJsEnvSpec(envSpec) ? envSpec : null;
    this.env = jsSpec ? hostSteppedEnvSpec(jsSpec) : (envSpec as EnvSpec | undefined) ?? getEnv(overrides.env ?? 'CartPole-v1');
    const continuous = this.env.action.type === 'continuous';
    this.config = makeConfig({ ...overrides, env: this.env.id }, continuous);
    const c = this.config;
    if (jsSpec && (c.normObs || c.normReward || c.bootstrapTruncation)) {
      throw new InputError(`JS environment '${jsSpec.id}': --norm-obs, --norm-reward and --bootstrap-truncation are not supported on the host-stepped path yet; set them to false`);
    }
    const N = c.numEnvs, T = c.numSteps;
    this.batchSize = N * T;
    this.minibatchSize = this.batchSize / c.numMinibatches;
    this.numIterations = Math.floor(c.totalTimesteps / this.batchSize);
    const B = this.minibatchSize, E = c.updateEpochs, M = c.numMinibatches;
    const D = actionDim(this.env);

    // ---- parameters, optimiser and scratch (allocated once)
    this.layout = policyLayout(this.env, { actorHidden: c.actorHidden, criticHidden: c.criticHidden, activation: c.activation });
    const L = this.layout, P = L.size, OUT = L.outDim, O = this.env.obsDim;
    this.params = dev.upload('params', initPolicyParams(L, c.seed));
    this.grads = dev.buffer('grads', P * 4);
    this.adamM = dev.upload('adam m', new Float32Array(P));
    this.adamV = dev.upload('adam v', new Float32Array(P));
    this.adamState = dev.upload('adam state', new Float32Array(4));
    const adamPartials = dev.buffer('adam partials', adamPartialsSize(P) * 4);
    this.scalars = dev.buffer('scalars', (8 + D) * 4);
    this.perm = dev.buffer('permutations', E * this.batchSize * 4);
    this.permHost = new Uint32Array(E * this.batchSize);
    const mb = dev.buffer('minibatch', B * (O + D + 1 + OUT + 3) * 4);
    // Hidden layer l of both nets in one buffer, the critic's [B, width] after the actor's, and
    // the scratch derivatives likewise, so same-shaped layers run as one batched matmul
    // (mlpForwardNets). The heads get their own buffers: the loss binds them whole.
    const La = L.actor.dims.length - 1, Lc = L.critic.dims.length - 1;
    const hiddenWidth = (dims: number[], l: number) => (l + 2 < dims.length ? dims[l + 1] : 0);
    const hidden = Array.from({ length: Math.max(La, Lc) - 1 }, (_, l) =>
      dev.buffer(`hidden activations ${l}`, B * (hiddenWidth(L.actor.dims, l) + hiddenWidth(L.critic.dims, l)) * 4));
    const actorOut = dev.buffer('actor head', B * OUT * 4), criticOut = dev.buffer('critic value', B * 4);
    const hmax = Math.max(...L.actor.dims, ...L.critic.dims);
    const dH = [dev.buffer('dH a', 2 * B * hmax * 4), dev.buffer('dH b', 2 * B * hmax * 4)];
    const dhead = dev.buffer('d head', B * (OUT + 1 + D) * 4);
    const diag = dev.buffer('diagnostics', B * DIAG.length * 4);
    this.metrics = dev.buffer('metrics', METRICS_LEN * 4);

    // ---- rollout pass
    this.rollout = new Rollout(dev, this.env, L, this.params, {
      N, T, seed: c.seed, bootstrapTruncation: c.bootstrapTruncation, obsNorm: c.normObs, rewardNorm: c.normReward,
      gamma: c.gamma, activation: c.activation,
    });
    const tl = this.rollout.traj;
    this.jsRollout = jsSpec ? new JsRollout(dev, jsSpec, this.rollout, c.seed) : null;
    this.reportEpisodesOffset = (METRICS_LEN + 4) * 4;
    this.report = dev.buffer('report', this.reportEpisodesOffset + 16 + this.rollout.logCapacity * 16,
      BufferUsage.COPY_DST | BufferUsage.COPY_SRC | BufferUsage.STORAGE);

    // ---- update pass: GAE, explained variance, then every epoch × minibatch
    const trainCode = trainModule(this.env, L);
    const constants = { ALGO: ALGO_CODE[c.algo], CLIP_VALUE: c.clipVloss, NORM_ADV: c.normAdv, BOOTSTRAP_TRUNCATION: c.bootstrapTruncation };
    const trainKernel = (entry: string) => new Kernel(dev, `train ${entry}`, trainCode, entry, constants);
    const uniforms = (permOffset: number): UniformField[] => [
      T, N, B, permOffset, tl.obs, tl.actions, tl.logp, tl.dist, tl.values, tl.rewards, tl.terminated, tl.truncated,
      tl.finalValues, tl.advantages, tl.returns, Math.max(L.logstd, 0),
      { f: c.gamma }, { f: c.gaeLambda }, { f: c.clipCoef }, { f: c.spoKlMax }, { f: c.entCoef }, { f: c.vfCoef }, 0, 0,
    ];
    const passes: BoundKernel[] = [];
    passes.push(trainKernel('gae_traj').bind({ 1: this.rollout.trajBuffer }, uniforms(0), grid(N, 64), 'gae'));
    passes.push(trainKernel('explained_variance').bind({ 1: this.rollout.trajBuffer, 4: this.metrics }, uniforms(0), [1, 1, 1], 'explained variance'));
    const gatherK = trainKernel('gather_minibatch'), lossK = trainKernel('policy_value_loss');
    const adamSteps = adam(dev, { P, maxGradNorm: c.maxGradNorm, eps: 1e-5 }, {
      params: this.params, grads: this.grads, m: this.adamM, v: this.adamV, state: this.adamState, lr: this.scalars, partials: adamPartials,
    });
    const input = { buffer: mb, offset: 0 };
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
    // Forward and backward bind the same buffers for every minibatch: encoded once, reused.
    const forward = mlpForwardNets(dev, [actorNet, criticNet], B, c.activation, input, this.params);
    const advStats = colStats(dev, { R: B, C: 1 }, { x: mb, out: this.scalars, offsets: { x: B * (O + D + 1 + OUT), out: 4 } });
    // The discrete loss reads no parameters (binding 4 holds the log-std for Gaussian policies).
    const lossBindings: Record<number, GPUBuffer> = { 1: mb, 2: actorOut, 3: criticOut, 5: this.scalars, 6: dhead, 7: diag };
    if (continuous) lossBindings[4] = this.params;
    const loss = lossK.bind(lossBindings, uniforms(0), grid(B, 64), 'policy/value loss');
    const backward = mlpBackwardNets(dev, [actorNet, criticNet], B, c.activation, input, this.params, this.grads);
    const logstdGrad = continuous ? [colSum(dev, { R: B, C: D }, { x: dhead, out: this.grads, offsets: { x: B * (OUT + 1), out: L.logstd } })] : [];
    const diagScale = 1 / (B * E * M);
    const diagFirst = colSum(dev, { R: B, C: DIAG.length, scale: diagScale }, { x: diag, out: this.metrics });
    const diagAccum = colSum(dev, { R: B, C: DIAG.length, scale: diagScale, accum: true }, { x: diag, out: this.metrics });
    for (let e = 0; e < E; e++) {
      for (let m = 0; m < M; m++) {
        const gather = gatherK.bind({ 1: this.rollout.trajBuffer, 2: this.perm, 3: mb }, uniforms(e * this.batchSize + m * B), grid(B, 64), `gather e${e} m${m}`);
        passes.push(gather, advStats, ...forward, loss, ...backward, ...logstdGrad,
          e === 0 && m === 0 ? diagFirst : diagAccum, ...adamSteps);
      }
    }
    this.passes = passes;
    this.permRng = new CpuRng(c.seed ^ 0x9e3779b9);
    this.host = { iteration: 0, globalStep: 0, beta: c.klBetaInit, permRngState: this.permRng.state, recentReturns: [], episodesSeen: 0 };

    // Reset every environment (counter 0 of purpose 2 keys the initial states).
    dev.submit('reset environments', (pass) => this.rollout.resetKernel.encode(pass));
  }

  get adapter(): string { return adapterName(this.dev.adapter); }

  /** Dispatches recorded per iteration (rollout, GAE, every minibatch's kernels). */
  get dispatchesPerIteration(): number { return 1 + this.passes.length; }

  get done(): boolean { return this.host.iteration >= this.numIterations; }

  /** One rollout and one update. Returns the iteration's metrics (one readback). */
  async iterate(): Promise<IterationMetrics> {
    const c = this.config, h = this.host;
    const t0 = performance.now();
    const frac = 1 - h.iteration / this.numIterations;
    const lr = c.annealLr ? frac * c.learningRate : c.learningRate;
    // Before the submit: learning rate, β, this iteration's permutations, the RNG counter.
    this.dev.write(this.scalars, new Float32Array([lr, h.beta]));
    this.permRng.state = h.permRngState;
    for (let e = 0; e < c.updateEpochs; e++) this.permRng.permutation(this.permHost.subarray(e * this.batchSize, (e + 1) * this.batchSize));
    h.permRngState = this.permRng.state;
    this.dev.write(this.perm, this.permHost);
    this.rollout.setCounterBase(h.iteration * c.numSteps);
    const hostEpisodes = this.jsRollout ? await this.jsRollout.collect(h.iteration * c.numSteps) : null;

    const ro = this.rollout, D = actionDim(this.env);
    this.dev.submitEncoder(`iteration ${h.iteration}`, (enc) => {
      ro.clearEpisodeLog(enc);
      if (this.layout.continuous) enc.copyBufferToBuffer(this.params, this.layout.logstd * 4, this.scalars, 32, D * 4);
      const pass = enc.beginComputePass({ label: `iteration ${h.iteration}` });
      if (!this.jsRollout) ro.encode(pass);
      for (const d of this.passes) d.encode(pass);
      pass.end();
      enc.copyBufferToBuffer(this.metrics, 0, this.report, 0, METRICS_LEN * 4);
      enc.copyBufferToBuffer(this.adamState, 0, this.report, METRICS_LEN * 4, 16);
      enc.copyBufferToBuffer(ro.episodes, 0, this.report, this.reportEpisodesOffset, ro.episodes.size);
    });
    const raw = await this.dev.read(this.report);
    const seconds = (performance.now() - t0) / 1000;

    const m = new Float32Array(raw, 0, METRICS_LEN);
    const adamState = new Float32Array(raw, METRICS_LEN * 4, 4);
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
      'charts/SPS': this.batchSize / seconds,
      'charts/learning_rate': lr,
      'losses/policy_loss': m[0], 'losses/value_loss': m[1], 'losses/entropy': m[2], 'charts/average_kld': m[3],
      'losses/approx_kl': m[4], 'losses/clipfrac': m[5], 'losses/mean_ratio': m[6],
      'losses/explained_variance': m[7] > 0 ? 1 - m[8] / m[7] : NaN,
      'losses/grad_norm': adamState[1],
    };
    for (const k of ['losses/policy_loss', 'losses/value_loss', 'losses/entropy'] as const) {
      if (!Number.isFinite(out[k])) {
        throw new Error(`training diverged at iteration ${h.iteration + 1}: ${k} is ${out[k]}. ` +
          `Lower --learning-rate, keep --max-grad-norm > 0, or turn on --norm-obs/--norm-reward for unbounded observations or rewards.`);
      }
    }
    if (c.algo === 'ppo-kl') {
      out['charts/beta'] = h.beta;
      // PPO paper's adaptive rule on the mean per-state KL of this update.
      if (m[3] > 1.5 * c.klTarget) h.beta *= 2;
      else if (m[3] < c.klTarget / 1.5) h.beta /= 2;
    }
    h.iteration++;
    h.globalStep = out.global_step;
    return out;
  }

  /** Mean return over the last (up to) 100 ended episodes. */
  get meanReturn100(): number | null {
    const r = this.host.recentReturns;
    return r.length ? r.reduce((a, b) => a + b, 0) / r.length : null;
  }
}

/** shaders/train.wgsl composed for an environment's shapes and action space. */
export function trainModule(env: EnvSpec, layout: PolicyLayout): string {
  const continuous = env.action.type === 'continuous';
  return [
    `const OBS_DIM: u32 = ${env.obsDim}u;\nconst OUT_DIM: u32 = ${layout.outDim}u;\nconst ACT_DIM: u32 = ${actionDim(env)}u;`,
    wgslFunctions('gae'), wgslFunctions('objectives'), wgslFunctions(continuous ? 'gaussian' : 'categorical'),
    selectActionSection(wgsl('train'), !continuous),
  ].join('\n');
}
