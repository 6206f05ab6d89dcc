// A2C (Mnih et al. 2016, synchronous form as in SB3 and CleanRL). Config: one epoch over the
// batch as a single minibatch by default. Objective: log π(a|s)·Â (shaders/algos/a2c.wgsl).
// Plan: the shared on-policy update. No host hook.
import type { Algorithm } from './algorithm.js';
import { ON_POLICY } from './on_policy.js';

export const a2c: Algorithm = {
  name: 'a2c',
  summary: 'A2C: one policy-gradient step log π(a|s)·Â per batch, with the critic',
  fields: {},
  defaults: { updateEpochs: 1, numMinibatches: 1 },
  objective: {
    wgsl: 'algos/a2c',
    coefficients: [],
    coefficientValues: () => ({}),
    reference: (_r, logp, adv) => ({ value: logp * adv, dlogp: adv, dkl: 0 }),
  },
  initialState: () => ({}),
  ...ON_POLICY,
};
