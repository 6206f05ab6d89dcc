// SPO's clipped-KL form (the SPO slides; the official code before 2025). Config: spoKlMax d_max.
// Objective: r·Â·(clip(d,0,d_max)/d + σ - 1)·σ, σ = sign(Â), d the per-state KL(π_old‖π_θ)
// with the gradient flowing through d (shaders/algos/spo_kl.wgsl). Plan: the shared on-policy
// update. No host hook.
import type { Algorithm } from './algorithm.js';
import { ON_POLICY } from './on_policy.js';

export interface SpoKlFields {
  /** spo-kl: the KL bound d_max. */
  spoKlMax: number;
}

export const spoKl: Algorithm = {
  name: 'spo-kl',
  summary: 'SPO in its clipped-KL form: the surrogate is scaled down where the per-state KL exceeds d_max',
  fields: {
    spoKlMax: { kind: 'number', default: 0.02, doc: 'spo-kl: the KL bound d_max', check: (v) => (v <= 0 ? 'must be > 0 for spo-kl' : undefined) },
  },
  objective: {
    wgsl: 'algos/spo_kl',
    coefficients: ['dmax'],
    coefficientValues: (c) => ({ dmax: c.spoKlMax }),
    reference(r, _logp, adv, d, { dmax }) {
      const s = Math.sign(adv);
      const f = d > dmax ? dmax / d : 1;
      const df = d > dmax ? -dmax / (d * d) : 0;
      const w = (f + s - 1) * s;
      return { value: r * adv * w, dlogp: adv * w * r, dkl: r * adv * df * s };
    },
  },
  initialState: () => ({}),
  ...ON_POLICY,
};
