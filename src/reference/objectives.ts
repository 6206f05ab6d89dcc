// f64 references for the policy objectives and value loss (SPEC §3).
import type { Algo } from '../kernels/objectives.js';

export interface ObjRef { value: number; dlogp: number; dkl: number }

export function policyObjectiveRef(algo: Algo, logp: number, logpOld: number, adv: number, d: number,
  eps = 0.2, beta = 0, dmax = 0.02): ObjRef {
  const r = Math.exp(logp - logpOld);
  switch (algo) {
    case 'ppo': {
      const u = r * adv, c = Math.min(Math.max(r, 1 - eps), 1 + eps) * adv;
      return u <= c ? { value: u, dlogp: adv * r, dkl: 0 } : { value: c, dlogp: 0, dkl: 0 };
    }
    case 'ppo-kl': return { value: r * adv - beta * d, dlogp: adv * r, dkl: -beta };
    case 'spo-kl': {
      const s = Math.sign(adv);
      const f = d > dmax ? dmax / d : 1;
      const df = d > dmax ? -dmax / (d * d) : 0;
      const w = (f + s - 1) * s;
      return { value: r * adv * w, dlogp: adv * w * r, dkl: r * adv * df * s };
    }
    case 'spo': return { value: r * adv - Math.abs(adv) / (2 * eps) * (r - 1) ** 2, dlogp: (adv - Math.abs(adv) / eps * (r - 1)) * r, dkl: 0 };
    case 'a2c': return { value: logp * adv, dlogp: adv, dkl: 0 };
  }
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
