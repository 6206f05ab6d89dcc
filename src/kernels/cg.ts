// Conjugate gradient on the GPU (shaders/cg.wgsl): cgInit, then per iteration the caller's
// dispatches that write A·p into `ap`, then cgStep. The whole solve records into one pass.
import type { WgrlDevice } from '../gpu/device.js';
import { Kernel, type BoundKernel } from '../gpu/kernel.js';
import { sharedStruct } from '../gpu/structs.js';
import { wgsl } from '../gpu/compose.js';
import { checkDims, checkExtent } from './common.js';

const CG_PARAMS = sharedStruct('CgParams', {
  n: { type: 'u32' }, damping: { type: 'f32', doc: 'λ of (A + λI)' }, tol: { type: 'f32', doc: 'stop when rᵀr < tol' },
});

/** The solver's state record (shaders/cg.wgsl CgState), [4] f32. */
export const CG_STATE = sharedStruct('CgState', { rr: { type: 'f32' }, done: { type: 'f32' }, iterations: { type: 'f32' }, pq: { type: 'f32' } });

export interface CgSpec { n: number; damping?: number; tol?: number }
export interface CgBuffers {
  x: GPUBuffer; r: GPUBuffer; p: GPUBuffer;
  /** A·p, written by the caller before each step; b before cgInit. */
  ap: GPUBuffer;
  state: GPUBuffer;
}

function cgKernel(dev: WgrlDevice, spec: CgSpec, bufs: CgBuffers, entry: 'cg_init' | 'cg_step'): BoundKernel {
  checkDims(entry, { n: spec.n });
  for (const k of ['x', 'r', 'p', 'ap'] as const) checkExtent(entry, k, bufs[k], 0, spec.n);
  checkExtent(entry, 'state', bufs.state, 0, CG_STATE.length);
  if (!((spec.damping ?? 0) >= 0)) throw new Error(`${entry}: damping must be >= 0, got ${spec.damping}`);
  const k = new Kernel(dev, `cg.${entry}`, CG_PARAMS.wgslStruct() + wgsl('cg'), entry);
  return k.bind({ 1: bufs.x, 2: bufs.r, 3: bufs.p, 4: bufs.ap, 5: bufs.state },
    CG_PARAMS.uniforms({ n: spec.n, damping: spec.damping ?? 0, tol: spec.tol ?? 1e-10 }), [1, 1, 1], entry);
}

/** x = 0, r = p = b (b in `ap`), rr = bᵀb. */
export const cgInit = (dev: WgrlDevice, spec: CgSpec, bufs: CgBuffers) => cgKernel(dev, spec, bufs, 'cg_init');
/** One CG iteration for (A + λI)x = b, given A·p in `ap`. */
export const cgStep = (dev: WgrlDevice, spec: CgSpec, bufs: CgBuffers) => cgKernel(dev, spec, bufs, 'cg_step');
