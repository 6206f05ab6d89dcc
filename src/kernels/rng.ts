// Philox4x32-10 counter-based random numbers and sampling (shaders/rng.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel, type Kernel } from '../gpu/kernel.js';
import { wgsl } from '../gpu/compose.js';
import { checkDims, checkExtent, composedKernel } from './common.js';

export interface RngKey {
  seed: number;
  /** Counter word (wgrl: the global step). */
  counter: number;
  /** Separates independent uses at the same counter (0 actions, 1 resets, …). */
  purpose?: number;
  /** Stream of row 0; row r uses streamOffset + r (wgrl: the environment index). */
  streamOffset?: number;
}

function rngKernel(dev: WgrlDevice, entry: string): Kernel {
  return composedKernel(dev, `rng.${entry}`, ['categorical', 'gaussian'], wgsl('rng'), entry);
}

function keyFields(R: number, D: number, key: RngKey) {
  for (const [n, v] of Object.entries({ seed: key.seed, counter: key.counter, purpose: key.purpose ?? 0, streamOffset: key.streamOffset ?? 0 })) {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`rng: ${n} must be a u32, got ${v}`);
  }
  return [R, D, key.seed, key.counter, key.purpose ?? 0, key.streamOffset ?? 0, 0, 0];
}

/** out[r, 0..3] = Philox4x32-10(counter=(counter, purpose, 0, 0), key=(seed, streamOffset + r)). */
export function uniformU32(dev: WgrlDevice, spec: { R: number } & RngKey, bufs: { out: GPUBuffer }): BoundKernel {
  checkDims('uniform_u32', { R: spec.R });
  checkExtent('uniform_u32', 'out', bufs.out, 0, 4 * spec.R);
  return rngKernel(dev, 'uniform_u32').bind({ 3: bufs.out }, keyFields(spec.R, 1, spec), grid(spec.R, 64), 'uniform_u32');
}

/** actions[r] ~ Categorical(softmax(logits[r])), logp[r] its log-probability. */
export function sampleCategorical(dev: WgrlDevice, spec: { R: number; A: number } & RngKey,
  bufs: { logits: GPUBuffer; actions: GPUBuffer; logp: GPUBuffer }): BoundKernel {
  checkDims('sample_categorical', { R: spec.R, A: spec.A });
  checkExtent('sample_categorical', 'logits', bufs.logits, 0, spec.R * spec.A);
  checkExtent('sample_categorical', 'actions', bufs.actions, 0, spec.R);
  checkExtent('sample_categorical', 'logp', bufs.logp, 0, spec.R);
  return rngKernel(dev, 'sample_categorical').bind({ 1: bufs.logits, 3: bufs.actions, 5: bufs.logp },
    keyFields(spec.R, spec.A, spec), grid(spec.R, 64), 'sample_categorical');
}

/** actions[r, j] = mean[r, j] + exp(logstd[j])·n, n ~ N(0, 1); logp[r] its log-density. */
export function sampleGaussian(dev: WgrlDevice, spec: { R: number; D: number } & RngKey,
  bufs: { mean: GPUBuffer; logstd: GPUBuffer; actions: GPUBuffer; logp: GPUBuffer }): BoundKernel {
  checkDims('sample_gaussian', { R: spec.R, D: spec.D });
  checkExtent('sample_gaussian', 'mean', bufs.mean, 0, spec.R * spec.D);
  checkExtent('sample_gaussian', 'logstd', bufs.logstd, 0, spec.D);
  checkExtent('sample_gaussian', 'actions', bufs.actions, 0, spec.R * spec.D);
  checkExtent('sample_gaussian', 'logp', bufs.logp, 0, spec.R);
  return rngKernel(dev, 'sample_gaussian').bind({ 1: bufs.mean, 2: bufs.logstd, 4: bufs.actions, 5: bufs.logp },
    keyFields(spec.R, spec.D, spec), grid(spec.R, 64), 'sample_gaussian');
}
