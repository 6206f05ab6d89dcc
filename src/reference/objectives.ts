// f64 references for the policy objectives (each algorithm's module holds its own) and the
// value loss (CleanRL ppo.py's clipped value loss).
import { getAlgorithm, type Algo } from '../algos/registry.js';
import type { ObjRef } from '../algos/algorithm.js';

export type { ObjRef };

/** The objective of `algo` with the coefficients it declares taken from eps, beta, dmax. */
export function policyObjectiveRef(algo: Algo, logp: number, logpOld: number, adv: number, d: number,
  eps = 0.2, beta = 0, dmax = 0.02): ObjRef {
  return getAlgorithm(algo).objective.reference(Math.exp(logp - logpOld), logp, adv, d, { eps, beta, dmax });
}

/** [loss, dloss/dV] */
export function valueLossRef(v: number, vOld: number, ret: number, eps: number, clip: boolean): [number, number] {
  const e = v - ret;
  if (!clip) return [0.5 * e * e, e];
  const vc = vOld + Math.min(Math.max(v - vOld, -eps), eps);
  const ec = vc - ret;
  if (e * e >= ec * ec) return [0.5 * e * e, e];
  return [0.5 * ec * ec, Math.abs(v - vOld) < eps ? ec : 0];
}
