// Row softmax / log-softmax (shaders/softmax.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';

export function softmax(dev: WgrlDevice, spec: { R: number; C: number; log?: boolean },
  bufs: { x: GPUBuffer; y: GPUBuffer; offsets?: { x?: number; y?: number } }): BoundKernel {
  const label = spec.log ? 'log_softmax' : 'softmax';
  checkDims(label, { R: spec.R, C: spec.C });
  const ox = bufs.offsets?.x ?? 0, oy = bufs.offsets?.y ?? 0;
  checkExtent(label, 'x', bufs.x, ox, spec.R * spec.C);
  checkExtent(label, 'y', bufs.y, oy, spec.R * spec.C);
  const k = familyKernel(dev, 'softmax', spec.log ? 'log_softmax_rows' : 'softmax_rows');
  return k.bind({ 1: bufs.x, 2: bufs.y }, [spec.R, spec.C, ox, oy], grid(spec.R, 64), label);
}
