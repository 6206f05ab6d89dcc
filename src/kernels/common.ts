// Shared checks for kernel wrappers: shapes and buffer extents, with errors that say the fix.
import { usableBytes, type Constants, type WgrlDevice } from '../gpu/device.js';
import { composeFamilies, wgsl } from '../gpu/compose.js';
import { Kernel } from '../gpu/kernel.js';
import { agentStride } from '../gpu/agents.js';

export function checkDims(kernel: string, dims: Record<string, number>): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${kernel}: ${k} must be a positive integer, got ${v}`);
  }
}

/** Throws unless `buf` holds `count` f32/u32 elements from element `offset` (for each of `agents` agents, src/gpu/agents.ts). */
export function checkExtent(kernel: string, name: string, buf: GPUBuffer, offset: number, count: number, agents = 1): void {
  count += (agents - 1) * agentStride(buf);
  const need = (offset + count) * 4;
  const have = usableBytes(buf);
  if (need > have) {
    throw new Error(`${kernel}: buffer '${name}' (${buf.label || 'unlabelled'}) holds ${Math.floor(have / 4)} elements ` +
      `but the shapes need ${offset + count} (offset ${offset} + ${count}); check the shapes or allocate a larger buffer`);
  }
}

const dummies = new WeakMap<WgrlDevice, GPUBuffer>();
/** A 16-byte buffer bound where a kernel's optional input is switched off by a constant. */
export function dummyBuffer(dev: WgrlDevice): GPUBuffer {
  let b = dummies.get(dev);
  if (!b) { b = dev.buffer('unused input', 16); dummies.set(dev, b); }
  return b;
}

/** A kernel from a shaders/ family file (compiled once per device, entry point and constants). */
export function familyKernel(dev: WgrlDevice, family: string, entry: string, constants: Constants = {}): Kernel {
  return new Kernel(dev, `${family}.${entry}`, wgsl(family), entry, constants);
}

/** A kernel whose module is several families' functions followed by `kernels` source. */
export function composedKernel(dev: WgrlDevice, label: string, families: string[], kernels: string, entry: string, constants: Constants = {}): Kernel {
  return new Kernel(dev, label, composeFamilies(families, kernels), entry, constants);
}
