// SPO, simple policy optimisation (Xie et al., ICML 2025; the form of the official code's
// trainer). Config: clipCoef is ε. Objective: r·Â - |Â|/(2ε)·(r-1)² (shaders/algos/spo.wgsl):
// a quadratic penalty whose optimum keeps the ratio within 1 ± ε while its gradient never
// vanishes, unlike PPO's clip. Plan: the shared on-policy update. No host hook.
import type { Algorithm } from './algorithm.js';
import { ON_POLICY } from './on_policy.js';

export const spo: Algorithm = {
  name: 'spo',
  summary: 'SPO (ICML 2025): r·Â − |Â|/(2ε)·(r−1)², a penalty that keeps the ratio near 1 ± ε without zero gradients',
  fields: {},
  objective: {
    wgsl: 'algos/spo',
    coefficients: ['eps'],
    coefficientValues: (c) => ({ eps: c.clipCoef }),
    reference: (r, _logp, adv, _d, { eps }) => ({
      value: r * adv - Math.abs(adv) / (2 * eps) * (r - 1) ** 2,
      dlogp: (adv - Math.abs(adv) / eps * (r - 1)) * r, dkl: 0,
    }),
  },
  initialState: () => ({}),
  ...ON_POLICY,
};
