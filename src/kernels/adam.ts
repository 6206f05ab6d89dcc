// Adam with global-norm clipping (shaders/adam.wgsl), three dispatches: Σg² partials,
// prepare (norm, clip coefficient, step, step size), update.
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';
import { sumsqPartial, sumsqPartials } from './reduce.js';
import { agentStride, checkAgents } from '../gpu/agents.js';

export interface AdamSpec {
  P: number; beta1?: number; beta2?: number; eps?: number; maxGradNorm?: number;
  /** Agents (src/gpu/agents.ts): params, grads, m, v, state, partials per agent; lr per agent or shared. Default 1. */
  agents?: number;
}
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
  const { P } = spec, K = spec.agents ?? 1;
  checkDims('adam', { P });
  checkAgents('adam', K);
  for (const n of ['params', 'grads', 'm', 'v'] as const) checkExtent('adam', n, bufs[n], 0, P, K);
  checkExtent('adam', 'state', bufs.state, 0, 4, K);
  checkExtent('adam', 'lr', bufs.lr, lrOffset, 1, K);
  const stride = agentStride(bufs.params);
  if (K > 1) {
    for (const n of ['grads', 'm', 'v'] as const) {
      if (agentStride(bufs[n]) !== stride) throw new Error(`adam: '${n}' must have the agent stride of params (${stride}), has ${agentStride(bufs[n])}`);
    }
    if (stride === 0 || agentStride(bufs.state) === 0) throw new Error(`adam: ${K} agents need per-agent params, moments and state (agentBuffer)`);
  }
  const nPartials = sumsqPartials(P);
  const u = [P, nPartials, lrOffset, stride, { f: spec.beta1 ?? 0.9 }, { f: spec.beta2 ?? 0.999 }, { f: spec.eps ?? 1e-5 }, { f: spec.maxGradNorm ?? 0 },
    agentStride(bufs.state), agentStride(bufs.lr), agentStride(bufs.partials), 0];
  const g = grid(P, 64);
  return [
    sumsqPartial(dev, { n: P, partials: nPartials, agents: K }, { x: bufs.grads, out: bufs.partials }),
    familyKernel(dev, 'adam', 'adam_prepare', { AGENTS: K }).bind({ 5: bufs.state, 6: bufs.lr, 7: bufs.partials }, u, [K, 1, 1], 'adam_prepare'),
    familyKernel(dev, 'adam', 'adam_update', { AGENTS: K }).bind({ 1: bufs.params, 2: bufs.grads, 3: bufs.m, 4: bufs.v, 5: bufs.state }, u, [g[0], g[1], K], 'adam_update'),
  ];
}

export function adamPartialsSize(P: number): number { return sumsqPartials(P); }
