// PPO with an adaptive KL penalty (Schulman et al. 2017, §4). Config: klTarget δ and klBetaInit.
// Objective: r·Â - β·d with d the exact per-state KL(π_old‖π_θ) (shaders/algos/ppo_kl.wgsl).
// Plan: the shared on-policy update. Host hook: after each update, β doubles when the mean
// per-state KL exceeded 1.5·δ and halves when it stayed below δ/1.5.
import type { Algorithm } from './algorithm.js';
import { ON_POLICY } from './on_policy.js';

export interface PpoKlFields {
  /** ppo-kl: target KL δ for the adaptive β rule. */
  klTarget: number;
  /** ppo-kl: initial penalty β. */
  klBetaInit: number;
}

export const ppoKl: Algorithm = {
  name: 'ppo-kl',
  summary: 'PPO with an adaptive KL penalty β·KL(π_old‖π), β adapted towards a target KL',
  fields: {
    klTarget: { kind: 'number', default: 0.01, doc: 'ppo-kl: target KL δ for the adaptive β rule', check: (v) => (v < 0 ? 'must be >= 0' : undefined) },
    klBetaInit: { kind: 'number', default: 1, doc: 'ppo-kl: initial penalty β', check: (v) => (v < 0 ? 'must be >= 0' : undefined) },
  },
  objective: {
    wgsl: 'algos/ppo_kl',
    coefficients: ['beta'],
    coefficientValues: (_c, state) => ({ beta: state.beta }),
    reference: (r, _logp, adv, d, { beta }) => ({ value: r * adv - beta * d, dlogp: adv * r, dkl: -beta }),
  },
  initialState: (c) => ({ beta: c.klBetaInit }),
  ...ON_POLICY,
  afterIteration(c, state, m) {
    const used = state.beta;
    if (m.averageKld > 1.5 * c.klTarget) state.beta *= 2;
    else if (m.averageKld < c.klTarget / 1.5) state.beta /= 2;
    return { 'charts/beta': used };
  },
};
