// Generalised advantage estimation (shaders/gae.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import type { BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';

export interface GaeSpec { T: number; N: number; gamma: number; lambda: number; bootstrapTruncation?: boolean }
export interface GaeBuffers {
  rewards: GPUBuffer; values: GPUBuffer; terminated: GPUBuffer; truncated: GPUBuffer;
  finalValues: GPUBuffer; advantages: GPUBuffer; returns: GPUBuffer;
}

export function gae(dev: WgrlDevice, spec: GaeSpec, bufs: GaeBuffers): BoundKernel {
  const { T, N } = spec;
  checkDims('gae', { T, N });
  for (const n of ['rewards', 'terminated', 'truncated', 'finalValues', 'advantages', 'returns'] as const) checkExtent('gae', n, bufs[n], 0, T * N);
  checkExtent('gae', 'values', bufs.values, 0, (T + 1) * N);
  const k = familyKernel(dev, 'gae', 'gae', { BOOTSTRAP_TRUNCATION: !!spec.bootstrapTruncation });
  const b = { 1: bufs.rewards, 2: bufs.values, 3: bufs.terminated, 4: bufs.truncated, 5: bufs.finalValues, 6: bufs.advantages, 7: bufs.returns };
  return k.bind(b, [T, N, { f: spec.gamma }, { f: spec.lambda }], [Math.ceil(N / 64), 1, 1], 'gae');
}
