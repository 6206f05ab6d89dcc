// Many agents in one pass (PureJaxRL's vmap over seeds and hyperparameters). A per-agent buffer
// holds K copies of one agent's data, `stride` elements apart; every kernel wrapper takes the
// number of agents, dispatches K times as many workgroups along z, and offsets each operand of
// agent k by k · (that buffer's stride). The stride travels with the buffer, so a plan written
// for one agent binds K agents unchanged, and a buffer without a stride (0) is shared by all.
import type { WgrlDevice } from './device.js';
import { usableBytes } from './device.js';

const strides = new WeakMap<GPUBuffer, number>();

/** Elements between two agents' copies of a buffer of `elements`: 256-byte aligned (binding offsets, vec4 rows). */
export const agentStrideFor = (elements: number) => Math.ceil(Math.max(elements, 1) / 64) * 64;

/** A buffer of `agents` copies of `elements` f32/u32 values, its stride registered (one agent: a plain buffer, stride 0). */
export function agentBuffer(dev: WgrlDevice, label: string, agents: number, elements: number, usage?: number): GPUBuffer {
  const stride = agentStrideFor(elements);
  const buf = dev.buffer(label, (agents === 1 ? elements : agents * stride) * 4, usage);
  strides.set(buf, agents === 1 ? 0 : stride);
  return buf;
}

/** `agentBuffer` filled with one agent's data per entry of `data`. */
export function agentUpload(dev: WgrlDevice, label: string, data: Float32Array[]): GPUBuffer {
  const K = data.length, n = data[0].length;
  if (data.some((d) => d.length !== n)) throw new Error(`${label}: every agent's data must have ${n} elements`);
  const buf = agentBuffer(dev, label, K, n);
  const stride = agentStride(buf), all = new Float32Array(usableBytes(buf) / 4);
  data.forEach((d, k) => all.set(d, k * stride));
  dev.write(buf, all);
  return buf;
}

/** Elements between agents' copies in `buf` (0: one copy, shared by every agent). */
export function agentStride(buf: GPUBuffer): number {
  return strides.get(buf) ?? 0;
}

/**
 * Elements between agents' copies of `elements` values in `buf` as host arrays lay them out:
 * the agent stride, or `elements` for one agent (whose buffer has stride 0).
 */
export const agentPitch = (buf: GPUBuffer, elements: number) => Math.max(agentStride(buf), elements);

/** Elements agent k's copy starts at. */
export const agentOffset = (buf: GPUBuffer, agent: number) => agent * agentStride(buf);

/** Checks a count of agents against one dispatch dimension (the z extent of every agent kernel). */
export function checkAgents(label: string, agents: number): void {
  if (!Number.isInteger(agents) || agents < 1) throw new Error(`${label}: agents must be a positive integer, got ${agents}`);
  if (agents > 65535) throw new Error(`${label}: ${agents} agents exceed one dispatch dimension (65535)`);
}
