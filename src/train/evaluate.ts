// Runs a checkpoint's policy on fresh environments and reports episode returns.
import type { WgrlDevice } from '../gpu/device.js';
import { getEnv, type EnvSpec } from '../envs/spec.js';
import { policyLayout } from '../nn/policy.js';
import { Rollout } from './rollout.js';
import { InputError } from '../errors.js';
import { readCheckpoint, checkpointParams } from './checkpoint.js';

export interface EvalResult { episodes: number; returns: number[]; lengths: number[]; mean: number; std: number; deterministic: boolean }

/**
 * One episode on each of `episodes` environments (every env ends one within the time limit),
 * greedy (`deterministic`) or sampled, with the checkpoint's normalisation statistics.
 */
export async function evaluateCheckpoint(dev: WgrlDevice, path: string, opts: { episodes?: number; deterministic?: boolean; seed?: number; env?: EnvSpec } = {}): Promise<EvalResult> {
  const { meta, tensors } = readCheckpoint(path);
  const env = opts.env ?? getEnv(meta.config.env);
  const episodes = opts.episodes ?? 10;
  if (!Number.isInteger(episodes) || episodes < 1) throw new InputError(`--episodes must be a positive integer, got ${episodes}`);
  const c = meta.config;
  const layout = policyLayout(env, { actorHidden: c.actorHidden, criticHidden: c.criticHidden, activation: c.activation });
  const params = checkpointParams(layout, tensors);
  const pbuf = dev.upload('eval params', params);
  const ro = new Rollout(dev, env, layout, pbuf, {
    N: episodes, T: env.maxEpisodeSteps, seed: (opts.seed ?? c.seed + 1000) >>> 0, bootstrapTruncation: false,
    obsNorm: c.normObs, rewardNorm: false, gamma: c.gamma, activation: c.activation, deterministic: !!opts.deterministic,
    logCapacity: episodes * env.maxEpisodeSteps,
  });
  const norm = tensors.get('wgrl.normalization');
  if (norm) dev.write(ro.normStats, norm);
  dev.submitEncoder('evaluate', (enc) => {
    ro.clearEpisodeLog(enc);
    const pass = enc.beginComputePass();
    ro.resetKernel.encode(pass);
    ro.rolloutKernel.encode(pass);
    pass.end();
  });
  const raw = await dev.read(ro.episodes);
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
  for (const b of [pbuf, ro.trajBuffer, ro.envState, ro.envBook, ro.episodes, ro.normStats, ro.normAcc]) b.destroy();
  return { episodes: returns.length, returns, lengths, mean, std, deterministic: !!opts.deterministic };
}
