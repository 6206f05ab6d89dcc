// f64 references for GRPO (src/algos/grpo.ts): group-relative advantages over masked episodes,
// the k3 estimator of KL(π_θ‖π_ref) and its derivative, and one sample's loss.
import { categoricalRef, gaussianRef } from './distributions.js';

export interface GroupAdvantagesRef {
  /** [N] each environment's episode return R (rewards summed over its valid steps) and length L. */
  returns: number[]; lengths: number[];
  /** [T·N] Â of the episode on its valid steps, 0 on masked ones. */
  advantages: Float64Array;
  /** [T·N] 1/L on valid steps, 0 on masked ones. */
  weights: Float64Array;
  /** [N / G] population std of each group's returns, and whether they are all equal. */
  groupStd: number[]; equal: boolean[];
}

/** Rows are t·N + n; environments n of group g are g·G … g·G + G − 1. */
export function groupAdvantagesRef(rewards: ArrayLike<number>, valid: ArrayLike<number>, T: number, N: number, G: number, eps = 1e-4): GroupAdvantagesRef {
  const returns: number[] = [], lengths: number[] = [];
  for (let n = 0; n < N; n++) {
    let R = 0, L = 0;
    for (let t = 0; t < T; t++) { R += valid[t * N + n] * rewards[t * N + n]; L += valid[t * N + n]; }
    returns.push(R); lengths.push(L);
  }
  const advantages = new Float64Array(T * N), weights = new Float64Array(T * N), groupStd: number[] = [], equal: boolean[] = [];
  for (let g = 0; g < N / G; g++) {
    const Rs = returns.slice(g * G, (g + 1) * G);
    const mean = Rs.reduce((a, b) => a + b, 0) / G;
    const std = Math.sqrt(Rs.reduce((a, r) => a + (r - mean) ** 2, 0) / G);
    const same = Rs.every((r) => r === Rs[0]);
    groupStd.push(std); equal.push(same);
    for (let k = 0; k < G; k++) {
      const n = g * G + k, adv = same ? 0 : (returns[n] - mean) / (std + eps);
      for (let t = 0; t < T; t++) {
        advantages[t * N + n] = valid[t * N + n] * adv;
        weights[t * N + n] = valid[t * N + n] / Math.max(lengths[n], 1);
      }
    }
  }
  return { returns, lengths, advantages, weights, groupStd, equal };
}

/** k3 = π_ref/π_θ − log(π_ref/π_θ) − 1 at one action, and dk3/d log π_θ = 1 − π_ref/π_θ. */
export function k3Ref(logpRef: number, logp: number): { value: number; dlogp: number } {
  const x = logpRef - logp;
  return { value: Math.exp(x) - x - 1, dlogp: 1 - Math.exp(x) };
}

/** One sample's inputs besides its distribution: the old log-prob, the advantage, its weight, π_ref's log-prob. */
export interface GrpoSampleRef {
  logpOld: number; adv: number;
  /** 1/L of the sample's episode, 0 for a masked row. */
  episodeWeight: number; logpRef: number;
}

export interface GrpoLossCoefs {
  eps: number; spo: boolean; beta: number; entCoef: number; drGrpo: boolean;
  /** Steps per environment T and the minibatch size B (the sample's share of the loss). */
  T: number; B: number;
}

export interface GrpoLossRef { loss: number; policyLoss: number; refKl: number; entropy: number; averageKld: number }

/**
 * One sample's loss w·(−objective + β·k3 − entCoef·H), w = u·T/B (u = 1/L; Dr. GRPO: 1/B), from
 * log π_θ(a|s), the entropy and KL(π_old‖π_θ) of its state; the objective is PPO-clip's or SPO's
 * (their f64 references in src/algos/). Diagnostics are weighted u·T.
 */
export function grpoLossRef(logp: number, entropy: number, kld: number, s: GrpoSampleRef, k: GrpoLossCoefs,
  objective: (r: number, adv: number, eps: number) => number): GrpoLossRef {
  if (s.episodeWeight === 0) return { loss: 0, policyLoss: 0, refKl: 0, entropy: 0, averageKld: 0 };
  const obj = objective(Math.exp(logp - s.logpOld), s.adv, k.eps);
  const k3 = k3Ref(s.logpRef, logp).value;
  const w = (k.drGrpo ? 1 : s.episodeWeight * k.T) / k.B, dw = s.episodeWeight * k.T;
  return { loss: w * (-obj + k.beta * k3 - k.entCoef * entropy), policyLoss: -dw * obj, refKl: dw * k3, entropy: dw * entropy, averageKld: dw * kld };
}

/** log π, entropy and KL(π_old‖π) of a categorical policy at action a, from logits (src/reference/distributions.ts). */
export function categoricalTerms(logits: ArrayLike<number>, oldLogits: ArrayLike<number>, a: number): { logp: number; entropy: number; kld: number } {
  const z = Array.from(logits);
  return { logp: categoricalRef('logprob', z, a)[0], entropy: categoricalRef('entropy', z)[0], kld: categoricalRef('kl', z, a, Array.from(oldLogits))[0] };
}

/** The same for a diagonal Gaussian with state-independent log-std ℓ. */
export function gaussianTerms(mean: ArrayLike<number>, logstd: ArrayLike<number>, oldMean: ArrayLike<number>, oldLogstd: ArrayLike<number>,
  action: ArrayLike<number>): { logp: number; entropy: number; kld: number } {
  const mu = Array.from(mean), ls = Array.from(logstd), a = Array.from(action);
  return {
    logp: gaussianRef('logprob', mu, ls, a)[0], entropy: gaussianRef('entropy', mu, ls)[0],
    kld: gaussianRef('kl', mu, ls, a, Array.from(oldMean), Array.from(oldLogstd))[0],
  };
}
