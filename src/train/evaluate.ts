// Runs a checkpoint's policy on fresh environments and reports episode returns.
import type { WgrlDevice } from '../gpu/device.js';
import { getEnv, type EnvSpec } from '../envs/spec.js';
import { configLayout, type TrainConfig } from './config.js';
import { Rollout } from './rollout.js';
import { InputError } from '../errors.js';
import { readCheckpoint, checkpointAgent, checkpointAgents, checkpointParams } from './checkpoint.js';

export interface EvalResult { episodes: number; returns: number[]; lengths: number[]; mean: number; std: number; deterministic: boolean }

/**
 * Deterministic or sampled episodes of a policy on fresh environments: one episode on each of
 * `episodes` environments (every environment ends one within the time limit). It reads the
 * parameter buffer it is given, so a trainer's evaluator sees the policy as trained so far.
 */
export class PolicyEvaluator {
  private readonly rollout: Rollout;

  constructor(readonly dev: WgrlDevice, readonly env: EnvSpec, config: TrainConfig, params: GPUBuffer, readonly episodes: number, seed: number, readonly deterministic: boolean) {
    if (!Number.isInteger(episodes) || episodes < 1) throw new InputError(`--episodes must be a positive integer, got ${episodes}`);
    const layout = configLayout(env, config);
    this.rollout = new Rollout(dev, env, layout, params, {
      N: episodes, T: env.maxEpisodeSteps, seed: seed >>> 0, bootstrapTruncation: false,
      obsNorm: config.normObs, rewardNorm: false, gamma: config.gamma, activation: config.activation, deterministic,
      logCapacity: episodes * env.maxEpisodeSteps, values: 'none',
    });
  }

  /**
   * Runs the episodes. `normStats`: the observation statistics to use (a trainer's buffer, or a
   * checkpoint's values); `counterBase` selects the random stream, so repeated evaluations start
   * from other states.
   */
  async run(normStats: GPUBuffer | Float32Array | undefined, counterBase = 0): Promise<EvalResult> {
    const ro = this.rollout, episodes = this.episodes;
    if (normStats instanceof Float32Array) this.dev.write(ro.normStats, normStats);
    ro.setCounterBase(counterBase);
    this.dev.submitEncoder('evaluate', (enc) => {
      if (normStats && !(normStats instanceof Float32Array)) enc.copyBufferToBuffer(normStats, 0, ro.normStats, 0, ro.normStats.size);
      ro.clearEpisodeLog(enc);
      const pass = enc.beginComputePass();
      ro.resetKernel.encode(pass);
      ro.rolloutKernel.encode(pass);
      pass.end();
    });
    const raw = await this.dev.read(ro.episodes);
    // The first episode each environment finished, in environment order.
    const count = Math.min(new Uint32Array(raw, 0, 1)[0], ro.logCapacity);
    const e = new Float32Array(raw, 16, count * 4), idx = new Uint32Array(raw, 16, count * 4);
    const first = new Map<number, { t: number; ret: number; len: number }>();
    for (let k = 0; k < count; k++) {
      const i = idx[4 * k + 2], n = i % episodes, t = Math.floor(i / episodes);
      const cur = first.get(n);
      if (!cur || t < cur.t) first.set(n, { t, ret: e[4 * k], len: e[4 * k + 1] });
    }
    const rows = [...first.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    const returns = rows.map((r) => r.ret), lengths = rows.map((r) => r.len);
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
    return { episodes: returns.length, returns, lengths, mean, std, deterministic: this.deterministic };
  }

  destroy(): void {
    this.rollout.destroy();
  }
}

/**
 * A saved policy's episodes, with the checkpoint's normalisation statistics; `agent` picks one
 * agent of a several-agent checkpoint (default 0).
 */
export async function evaluateCheckpoint(dev: WgrlDevice, path: string, opts: { episodes?: number; deterministic?: boolean; seed?: number; env?: EnvSpec; agent?: number } = {}): Promise<EvalResult & { agent: number; agents: number }> {
  const { meta, tensors } = readCheckpoint(path);
  const { config: c, prefix } = checkpointAgent(meta, opts.agent ?? 0, path);
  const env = opts.env ?? getEnv(c.env);
  const layout = configLayout(env, c);
  const pbuf = dev.upload('eval params', checkpointParams(layout, tensors, prefix));
  const evaluator = new PolicyEvaluator(dev, env, c, pbuf, opts.episodes ?? 10, opts.seed ?? c.seed + 1000, !!opts.deterministic);
  try {
    return { ...await evaluator.run(tensors.get(`${prefix}wgrl.normalization`)), agent: opts.agent ?? 0, agents: checkpointAgents(meta) };
  } finally {
    evaluator.destroy();
    pbuf.destroy();
  }
}
