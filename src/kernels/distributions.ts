// Categorical and diagonal-Gaussian log-prob, entropy and per-state KL with gradients
// (shaders/categorical.wgsl, shaders/gaussian.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';

export type DistributionQuantity = 'logprob' | 'entropy' | 'kl';

export interface CategoricalBuffers {
  logits: GPUBuffer;       // [R, A]
  oldLogits?: GPUBuffer;   // [R, A], for 'kl'
  actions?: GPUBuffer;     // [R] u32, for 'logprob'
  value: GPUBuffer;        // [R]
  grad: GPUBuffer;         // [R, A] d value / d logits
  offsets?: { logits?: number; oldLogits?: number };
}

/** value[r] and grad[r, :] = d value / d logits for the chosen quantity. */
export function categorical(dev: WgrlDevice, quantity: DistributionQuantity, spec: { R: number; A: number }, bufs: CategoricalBuffers): BoundKernel {
  const label = `categorical_${quantity}`;
  const { R, A } = spec;
  checkDims(label, { R, A });
  const ol = bufs.offsets?.logits ?? 0, oo = bufs.offsets?.oldLogits ?? 0;
  checkExtent(label, 'logits', bufs.logits, ol, R * A);
  checkExtent(label, 'value', bufs.value, 0, R);
  checkExtent(label, 'grad', bufs.grad, 0, R * A);
  const b: Record<number, GPUBuffer> = { 1: bufs.logits, 4: bufs.value, 5: bufs.grad };
  if (quantity === 'kl') {
    if (!bufs.oldLogits) throw new Error(`${label}: needs oldLogits`);
    checkExtent(label, 'oldLogits', bufs.oldLogits, oo, R * A);
    b[2] = bufs.oldLogits;
  }
  if (quantity === 'logprob') {
    if (!bufs.actions) throw new Error(`${label}: needs actions`);
    checkExtent(label, 'actions', bufs.actions, 0, R);
    b[3] = bufs.actions;
  }
  return familyKernel(dev, 'categorical', label).bind(b, [R, A, ol, oo], grid(R, 64), label);
}

export interface GaussianBuffers {
  mean: GPUBuffer;         // [R, D]
  logstd: GPUBuffer;       // [D]
  oldMean?: GPUBuffer;     // [R, D], for 'kl'
  oldLogstd?: GPUBuffer;   // [D], for 'kl'
  actions?: GPUBuffer;     // [R, D] f32, for 'logprob'
  value: GPUBuffer;        // [R]
  gradMean: GPUBuffer;     // [R, D]
  gradLogstd: GPUBuffer;   // [R, D] per row; sum over rows (colSum) for the shared log-std
}

export function gaussian(dev: WgrlDevice, quantity: DistributionQuantity, spec: { R: number; D: number }, bufs: GaussianBuffers): BoundKernel {
  const label = `gaussian_${quantity}`;
  const { R, D } = spec;
  checkDims(label, { R, D });
  checkExtent(label, 'logstd', bufs.logstd, 0, D);
  checkExtent(label, 'value', bufs.value, 0, R);
  checkExtent(label, 'gradMean', bufs.gradMean, 0, R * D);
  checkExtent(label, 'gradLogstd', bufs.gradLogstd, 0, R * D);
  const b: Record<number, GPUBuffer> = { 2: bufs.logstd, 6: bufs.value, 7: bufs.gradMean, 8: bufs.gradLogstd };
  if (quantity !== 'entropy') { checkExtent(label, 'mean', bufs.mean, 0, R * D); b[1] = bufs.mean; }
  if (quantity === 'kl') {
    if (!bufs.oldMean || !bufs.oldLogstd) throw new Error(`${label}: needs oldMean and oldLogstd`);
    checkExtent(label, 'oldMean', bufs.oldMean, 0, R * D);
    checkExtent(label, 'oldLogstd', bufs.oldLogstd, 0, D);
    b[3] = bufs.oldMean; b[4] = bufs.oldLogstd;
  }
  if (quantity === 'logprob') {
    if (!bufs.actions) throw new Error(`${label}: needs actions`);
    checkExtent(label, 'actions', bufs.actions, 0, R * D);
    b[5] = bufs.actions;
  }
  return familyKernel(dev, 'gaussian', label).bind(b, [R, D, 0, 0], grid(R, 64), label);
}
