// The rollout pass: composes shaders/rollout.wgsl with an environment module and the network
// tables, allocates the trajectory storage once, and records one dispatch per rollout.
import type { WgrlDevice } from '../gpu/device.js';
import { rolloutModule } from '../gpu/compose.js';
import { Kernel, grid, type BoundKernel, type UniformField } from '../gpu/kernel.js';
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

export interface RolloutOptions {
  N: number;
  T: number;
  seed: number;
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
}

export class Rollout {
  readonly traj: TrajLayout;
  readonly trajBuffer: GPUBuffer;
  readonly envState: GPUBuffer;
  readonly envBook: GPUBuffer;
  readonly episodes: GPUBuffer;
  /** Running normalisation statistics: obs mean, obs var, return mean, return var, counts. */
  readonly normStats: GPUBuffer;
  readonly normAcc: GPUBuffer;
  readonly normUpdateKernel: BoundKernel;
  readonly logCapacity: number;
  readonly rolloutKernel: BoundKernel;
  /** The composed WGSL module (the JS-environment policy step binds another entry point of it). */
  readonly code: string;
  readonly resetKernel: BoundKernel;
  /** RolloutParams fields in struct order. */
  readonly uniforms: UniformField[];

  constructor(readonly dev: WgrlDevice, readonly env: EnvSpec, readonly layout: PolicyLayout, readonly params: GPUBuffer, readonly opts: RolloutOptions) {
    validateEnvSpec(env);
    const { N, T } = opts;
    for (const [k, v] of Object.entries({ N, T })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`rollout: ${k} must be a positive integer, got ${v}`);
    }
    const maxGroups = dev.limits.maxComputeWorkgroupsPerDimension;
    if (Math.ceil(N / 64) > maxGroups * maxGroups) throw new Error(`rollout: ${N} environments exceed this adapter's dispatch limits`);
    const G = opts.groupSize ?? 0;
    if (!Number.isInteger(G) || G < 0 || (G > 0 && N % G !== 0)) throw new Error(`rollout: groupSize must be 0 or an integer dividing N = ${N}, got ${G}`);
    const actDim = actionDim(env);
    this.traj = trajLayout(T, N, env.obsDim, actDim, layout.outDim);
    this.trajBuffer = dev.buffer(`${env.id} trajectories`, this.traj.size * 4);
    this.envState = dev.buffer(`${env.id} env state`, N * env.stateDim * 4);
    this.envBook = dev.buffer(`${env.id} episode book`, N * 16);
    this.logCapacity = opts.logCapacity ?? Math.min(T * N, 4096);
    this.episodes = dev.buffer(`${env.id} episode log`, 16 + this.logCapacity * 16);
    const O = env.obsDim;
    this.normStats = dev.buffer(`${env.id} normalisation stats`, (2 * O + 4) * 4);
    this.normAcc = dev.buffer(`${env.id} normalisation sums`, N * (2 * O + 2) * 4);
    // gym's RunningMeanStd starts at mean 0, var 1, count 1e-4.
    dev.write(this.normStats, Float32Array.from([...new Array(O).fill(0), ...new Array(O).fill(1), 0, 1, 1e-4, 1e-4]));
    const code = rolloutModule(env, layout, ACTIVATION_CODE[opts.activation], ENV_PRELUDE);
    this.code = code;
    const t = this.traj;
    this.uniforms = [N, T, opts.seed >>> 0, 0, env.maxEpisodeSteps, this.logCapacity, opts.obsNorm ? 1 : 0, opts.bootstrapTruncation ? 1 : 0,
      t.obs, t.actions, t.logp, t.dist, t.values, t.rewards, t.terminated, t.truncated, t.finalValues, t.finalObs,
      opts.rewardNorm ? 1 : 0, { f: opts.gamma }, opts.deterministic ? 1 : 0, G, t.valid, 0];
    const bindings = { 1: params, 2: this.envState, 3: this.envBook, 4: this.trajBuffer, 5: this.episodes, 6: this.normStats, 7: this.normAcc, 9: params };
    const g = grid(N, 64, maxGroups);
    this.rolloutKernel = new Kernel(dev, `rollout ${env.id}`, code, 'rollout').bind(bindings, this.uniforms, g, `rollout ${env.id}`);
    this.resetKernel = new Kernel(dev, `rollout ${env.id}`, code, 'reset_all').bind({ 2: this.envState, 3: this.envBook }, this.uniforms, g, `reset ${env.id}`);
    this.normUpdateKernel = new Kernel(dev, `rollout ${env.id}`, code, 'update_norm_stats')
      .bind({ 6: this.normStats, 7: this.normAcc }, this.uniforms, [1, 1, 1], `normalisation update ${env.id}`);
  }

  /** Sets the RNG counter of step 0 of the next rollout (iteration · T keeps draws disjoint). */
  setCounterBase(counterBase: number): void {
    this.uniforms[3] = counterBase >>> 0;
    this.rolloutKernel.setUniforms(this.uniforms);
    this.resetKernel.setUniforms(this.uniforms);
  }

  /** Records the rollout (and, with normalisation on, the statistics update after it). */
  encode(pass: GPUComputePassEncoder): void {
    this.rolloutKernel.encode(pass);
    if (this.opts.obsNorm || this.opts.rewardNorm) this.normUpdateKernel.encode(pass);
  }

  /** Frees the rollout's own buffers (not the parameters it reads). */
  destroy(): void {
    for (const b of [this.trajBuffer, this.envState, this.envBook, this.episodes, this.normStats, this.normAcc]) b.destroy();
  }

  /** Records clearing the episode log; must precede the rollout pass in the same submit. */
  clearEpisodeLog(enc: GPUCommandEncoder): void {
    enc.clearBuffer(this.episodes, 0, 16);
  }

  /** Decodes the episode log read back as raw bytes: episodes ended in this rollout, in (t, n) order. */
  static decodeEpisodes(raw: ArrayBuffer, byteOffset: number, capacity: number): { count: number; returns: number[]; lengths: number[] } {
    const count = new Uint32Array(raw, byteOffset, 1)[0];
    const n = Math.min(count, capacity);
    const f = new Float32Array(raw, byteOffset + 16, n * 4), order = new Uint32Array(raw, byteOffset + 16, n * 4);
    const idx = Array.from({ length: n }, (_, k) => k).sort((a, b) => order[4 * a + 2] - order[4 * b + 2]);
    return { count, returns: idx.map((k) => f[4 * k]), lengths: idx.map((k) => f[4 * k + 1]) };
  }
}
