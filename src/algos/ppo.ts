// PPO-clip (Schulman et al. 2017; CleanRL's ppo.py). Config: the common fields (CleanRL's names
// and defaults); clipCoef is ε. Objective: min(r·Â, clip(r, 1-ε, 1+ε)·Â) (shaders/algos/ppo.wgsl).
// Plan: the shared on-policy update (on_policy.ts). No host hook.
import type { Algorithm } from './algorithm.js';
import { ON_POLICY } from './on_policy.js';

export const ppo: Algorithm = {
  name: 'ppo',
  summary: 'PPO with the clipped surrogate objective (CleanRL ppo.py)',
  fields: {},
  objective: {
    wgsl: 'algos/ppo',
    coefficients: ['eps'],
    coefficientValues: (c) => ({ eps: c.clipCoef }),
    reference(r, logp, adv, d, { eps }) {
      const unclipped = r * adv, clipped = Math.min(Math.max(r, 1 - eps), 1 + eps) * adv;
      return unclipped <= clipped ? { value: unclipped, dlogp: adv * r, dkl: 0 } : { value: clipped, dlogp: 0, dkl: 0 };
    },
  },
  initialState: () => ({}),
  ...ON_POLICY,
};
