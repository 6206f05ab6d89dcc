// Adam with global-norm clipping (shaders/adam.wgsl), three dispatches: Σg² partials,
// prepare (norm, clip coefficient, step, step size), update.
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';
import { sumsqPartial, sumsqPartials } from './reduce.js';

export interface AdamSpec { P: number; beta1?: number; beta2?: number; eps?: number; maxGradNorm?: number }
export interface AdamBuffers {
  params: GPUBuffer; grads: GPUBuffer; m: GPUBuffer; v: GPUBuffer;
  /** [4] f32: step, last grad norm, last clip coefficient, last step size. Zero it to start. */
  state: GPUBuffer;
  /** f32 learning rate at element `lrOffset` of this buffer (adam's last argument, default 0). */
  lr: GPUBuffer;
  /** Scratch for the Σg² partials (sumsqPartials(P) floats). */
  partials: GPUBuffer;
}

export function adam(dev: WgrlDevice, spec: AdamSpec, bufs: AdamBuffers, lrOffset = 0): BoundKernel[] {
  const { P } = spec;
  checkDims('adam', { P });
  for (const n of ['params', 'grads', 'm', 'v'] as const) checkExtent('adam', n, bufs[n], 0, P);
  checkExtent('adam', 'state', bufs.state, 0, 4);
  checkExtent('adam', 'lr', bufs.lr, lrOffset, 1);
  const nPartials = sumsqPartials(P);
  const u = [P, nPartials, lrOffset, 0, { f: spec.beta1 ?? 0.9 }, { f: spec.beta2 ?? 0.999 }, { f: spec.eps ?? 1e-5 }, { f: spec.maxGradNorm ?? 0 }];
  return [
    sumsqPartial(dev, { n: P, partials: nPartials }, { x: bufs.grads, out: bufs.partials }),
    familyKernel(dev, 'adam', 'adam_prepare').bind({ 5: bufs.state, 6: bufs.lr, 7: bufs.partials }, u, [1, 1, 1], 'adam_prepare'),
    familyKernel(dev, 'adam', 'adam_update').bind({ 1: bufs.params, 2: bufs.grads, 3: bufs.m, 4: bufs.v, 5: bufs.state }, u, grid(P, 64), 'adam_update'),
  ];
}

export function adamPartialsSize(P: number): number { return sumsqPartials(P); }
