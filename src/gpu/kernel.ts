// A bound kernel call: pipeline + bind group + its own small uniform buffer, all made once
// at setup so that a training loop only records `dispatch` commands.
import { BufferUsage, DATA_USAGE, type Constants, type WgrlDevice } from './device.js';

export interface Dispatch {
  readonly label: string;
  encode(pass: GPUComputePassEncoder): void;
  /** Work of one dispatch where the kernel has a cost model: arithmetic and the minimum bytes moved (each operand once). */
  readonly cost?: DispatchCost;
}

export interface DispatchCost { flops: number; bytes: number }

/** Uniform fields in struct order: integers as u32, `{f: x}` as f32. */
export type UniformField = number | { f: number } | { i: number };

export function packUniforms(fields: UniformField[]): ArrayBuffer {
  const n = Math.max(4, Math.ceil(fields.length / 4) * 4);
  const buf = new ArrayBuffer(n * 4);
  const u = new Uint32Array(buf), f = new Float32Array(buf), i = new Int32Array(buf);
  fields.forEach((v, k) => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`uniform field ${k} = ${v} is not a u32`);
      u[k] = v;
    } else if ('f' in v) f[k] = v.f;
    else i[k] = v.i;
  });
  return buf;
}

/** Workgroup counts for `threads` invocations of `wgSize`, spilling into y past the 65535 limit. */
export function grid(threads: number, wgSize: number, maxPerDim = 65535): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / wgSize));
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}

/**
 * A binding of part of a buffer: `size` elements from element `offset` (4-byte elements; the
 * byte offset must meet the adapter's minStorageBufferOffsetAlignment, 256 bytes by default).
 */
export interface BufferRange { buffer: GPUBuffer; offset: number; size: number }

export class Kernel {
  readonly pipeline: GPUComputePipeline;
  constructor(readonly dev: WgrlDevice, readonly label: string, code: string, entryPoint: string, constants: Constants = {}) {
    this.pipeline = dev.pipeline(label, code, entryPoint, constants);
  }

  /**
   * Binds storage buffers by binding index (binding 0 is always the uniform block) and
   * returns a dispatch that can be encoded any number of times. `uniforms` may be
   * rewritten later with `setUniforms` (between submits, never inside one).
   */
  bind(buffers: Record<number, GPUBuffer | BufferRange>, uniforms: UniformField[], workgroups: [number, number, number], label = this.label): BoundKernel {
    const data = packUniforms(uniforms);
    const ubuf = this.dev.buffer(`${label} uniforms`, data.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.dev.write(ubuf, new Uint8Array(data));
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: ubuf } }];
    for (const [k, b] of Object.entries(buffers)) entries.push({ binding: Number(k), resource: 'buffer' in b ? { buffer: b.buffer, offset: b.offset * 4, size: b.size * 4 } : { buffer: b } });
    const group = this.dev.guard(`bind ${label}`, () =>
      this.dev.device.createBindGroup({ label, layout: this.pipeline.getBindGroupLayout(0), entries }));
    return new BoundKernel(this, label, group, ubuf, workgroups);
  }
}

export class BoundKernel implements Dispatch {
  constructor(
    readonly kernel: Kernel, readonly label: string, readonly group: GPUBindGroup,
    readonly uniformBuffer: GPUBuffer, public workgroups: [number, number, number],
  ) {}
  cost?: DispatchCost;
  encode(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.kernel.pipeline);
    pass.setBindGroup(0, this.group);
    pass.dispatchWorkgroups(...this.workgroups);
  }
  setUniforms(fields: UniformField[]): void {
    this.kernel.dev.write(this.uniformBuffer, new Uint8Array(packUniforms(fields)));
  }
}

/** Runs dispatches in order in one compute pass (dispatches in a pass see each other's writes). */
export function runDispatches(dev: WgrlDevice, label: string, dispatches: Dispatch[]): void {
  dev.submit(label, (pass) => { for (const d of dispatches) d.encode(pass); });
}

export { DATA_USAGE };
