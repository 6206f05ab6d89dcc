// Policy objectives and value loss per sample (shaders/objectives.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';

export const ALGOS = ['ppo', 'ppo-kl', 'spo-kl', 'spo', 'a2c'] as const;
export type Algo = (typeof ALGOS)[number];
export const ALGO_CODE: Record<Algo, number> = { ppo: 0, 'ppo-kl': 1, 'spo-kl': 2, spo: 3, a2c: 4 };

export interface ObjectiveSpec {
  B: number;
  algo: Algo;
  /** PPO clip range ε, also SPO's ε (default 0.2). */
  eps?: number;
  /** PPO-KL penalty coefficient β. */
  beta?: number;
  /** SPO-KL's d_max (default 0.02). */
  dmax?: number;
  /** Weight of each sample in the loss (default 1/B: the minibatch mean). */
  scale?: number;
}

/**
 * loss[i] = -scale·obj_i; grads[i] = (d loss/d logp_i, d loss/d kl_i);
 * diag[i] = (k3 approx-KL term, clipped 0/1, ratio).
 */
export function policyObjective(dev: WgrlDevice, spec: ObjectiveSpec,
  bufs: { logp: GPUBuffer; logpOld: GPUBuffer; adv: GPUBuffer; kl: GPUBuffer; loss: GPUBuffer; grads: GPUBuffer; diag: GPUBuffer }): BoundKernel {
  const label = `objective_${spec.algo}`;
  const { B } = spec;
  checkDims(label, { B });
  if (!(spec.algo in ALGO_CODE)) throw new Error(`unknown algorithm '${spec.algo}'; choose one of ${ALGOS.join(', ')}`);
  for (const [n, c] of [['logp', 1], ['logpOld', 1], ['adv', 1], ['kl', 1], ['loss', 1], ['grads', 2], ['diag', 3]] as const) {
    checkExtent(label, n, bufs[n], 0, B * c);
  }
  const k = familyKernel(dev, 'objectives', 'policy_objective_kernel', { ALGO: ALGO_CODE[spec.algo] });
  return k.bind({ 1: bufs.logp, 2: bufs.logpOld, 3: bufs.adv, 4: bufs.kl, 5: bufs.loss, 6: bufs.grads, 7: bufs.diag },
    [B, 0, 0, 0, { f: spec.eps ?? 0.2 }, { f: spec.beta ?? 0 }, { f: spec.dmax ?? 0.02 }, { f: spec.scale ?? 1 / B }],
    grid(B, 64), label);
}

/** loss[i] = scale·value loss, grad[i] = d loss[i]/dV_i (CleanRL's clipped form when clip is on). */
export function valueLoss(dev: WgrlDevice, spec: { B: number; eps?: number; clip?: boolean; scale?: number },
  bufs: { v: GPUBuffer; vOld: GPUBuffer; returns: GPUBuffer; loss: GPUBuffer; grad: GPUBuffer }): BoundKernel {
  const label = 'value_loss';
  checkDims(label, { B: spec.B });
  for (const n of ['v', 'vOld', 'returns', 'loss', 'grad'] as const) checkExtent(label, n, bufs[n], 0, spec.B);
  const k = familyKernel(dev, 'objectives', 'value_loss_kernel', { CLIP_VALUE: spec.clip ?? true });
  return k.bind({ 1: bufs.v, 2: bufs.vOld, 3: bufs.returns, 4: bufs.loss, 5: bufs.grad },
    [spec.B, 0, { f: spec.eps ?? 0.2 }, { f: spec.scale ?? 1 / spec.B }], grid(spec.B, 64), label);
}
