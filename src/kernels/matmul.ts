// Batched matmul with fused bias, activation and backward gating (shaders/matmul.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, Kernel, type BoundKernel } from '../gpu/kernel.js';
import { SUBGROUP_DIRECTIVES, SUBGROUP_LANES, hasSubgroupLanes, wgsl } from '../gpu/compose.js';
import { checkDims, checkExtent, dummyBuffer, familyKernel } from './common.js';
import { agentStride, checkAgents } from '../gpu/agents.js';

export type Activation = 'none' | 'tanh' | 'relu';
export const ACTIVATION_CODE: Record<Activation, number> = { none: 0, tanh: 1, relu: 2 };
export type MatmulVariant = 'naive' | 'regblock' | 'regblock_vec4' | 'regblock8' | 'tiled' | 'subgroup';
export const MATMUL_VARIANTS: MatmulVariant[] = ['naive', 'regblock', 'regblock_vec4', 'regblock8', 'tiled', 'subgroup'];

/** The subgroup kernel's tile per subgroup (SG_ROWS × SG_COLS) and workgroup size (SG_WG) in shaders/matmul_subgroup.wgsl. */
const SG = { rows: 32, cols: 16, workgroup: 8 };

/** matmul_subgroup's module: the subgroup directives, shaders/matmul.wgsl (bindings, helpers), then its kernel. */
const subgroupModule = () => `${SUBGROUP_DIRECTIVES}${wgsl('matmul')}\n${wgsl('matmul_subgroup')}`;

export interface MatmulSpec {
  M: number; N: number; K: number;
  /** Independent products in one dispatch (K networks at once). Default 1. */
  batch?: number;
  /**
   * Agents (src/gpu/agents.ts): an outer batch whose operands sit each buffer's agent stride
   * apart. Default 1.
   */
  agents?: number;
  /** A is stored [K, M] (used for dW = Xᵀ·dY). */
  transA?: boolean;
  /** B is stored [N, K] (used for dX = dY·Wᵀ). */
  transB?: boolean;
  /** Add a bias row [N] per batch item. */
  bias?: boolean;
  act?: Activation;
  /** Multiply by act'(gate) where gate holds activations [M, N] (backward through an activation). */
  gate?: Activation;
  /** C += result instead of C = result. */
  accum?: boolean;
  /**
   * op(A) is [M, K] with rows 0..M-2 read from A (stored [M-1, K], or [K, M-1] with transA) and
   * row M-1 all ones: with transA, C = [Xᵀ·dY; 1ᵀ·dY], a weight gradient with its bias gradient as
   * the last row (one dispatch where b follows W in memory).
   */
  onesRow?: boolean;
  /** Kernel variant; default: autoMatmulVariant (per adapter and shape). */
  variant?: MatmulVariant;
}

export interface MatmulBuffers {
  a: GPUBuffer; b: GPUBuffer; c: GPUBuffer; bias?: GPUBuffer; gate?: GPUBuffer;
  /** Element offsets into each buffer (default 0). */
  offsets?: { a?: number; b?: number; c?: number; bias?: number; gate?: number };
  /**
   * Elements between consecutive batch items (default: densely packed, e.g. M·K for A). A stride
   * of 0 shares one operand across the batch; the actor and critic of a policy run as a batch of
   * 2 this way, with the critic's parameters and activations at a fixed distance from the actor's.
   */
  strides?: { a?: number; b?: number; c?: number; bias?: number; gate?: number };
}

/** regblock_vec4 reads B as vec4 rows: B not transposed, N, B's offset and batch and agent strides multiples of 4. */
export function vec4Eligible(spec: MatmulSpec, offB = 0, strideB = spec.K * spec.N, agentStrideB = 0): boolean {
  return !spec.transB && spec.N % 4 === 0 && offB % 4 === 0 && strideB % 4 === 0 && agentStrideB % 4 === 0;
}

/**
 * The variant a spec without one gets, per adapter and shape. SwiftShader runs a workgroup
 * barrier at ~40-120 ns per invocation, so the barrier-free register-blocked kernels win there:
 * the subgroup kernel where its 32-row tiles are filled (32 stored rows of A or more) and the
 * adapter has 4-lane subgroups, 8×8 blocks otherwise once the output has 4 rows and 8 columns
 * (a first layer's weight gradient: 5 × 64), 4×4 below. `npm run bench -- kernels` times each
 * variant on the trainer's own products (its "trainer's matmuls" table) beside the square
 * shapes. On real GPUs the shared-memory tiles win.
 */
export function autoMatmulVariant(dev: WgrlDevice, spec: MatmulSpec, offB = 0, strideB = spec.K * spec.N, agentStrideB = 0): MatmulVariant {
  if (!dev.adapter.isSoftware) return 'tiled';
  const rowsA = spec.onesRow ? spec.M - 1 : spec.M;
  if (hasSubgroupLanes(dev) && rowsA >= SG.rows && spec.N >= 8) return 'subgroup';
  if (spec.M >= 4 && spec.N >= 8) return 'regblock8';
  return vec4Eligible(spec, offB, strideB, agentStrideB) ? 'regblock_vec4' : 'regblock';
}

/** Binds C = gate(act(op(A)·op(B) + bias)) (+C); returns a dispatch to encode in a pass. */
export function matmul(dev: WgrlDevice, spec: MatmulSpec, bufs: MatmulBuffers, label = 'matmul'): BoundKernel {
  const { M, N, K } = spec;
  const batch = spec.batch ?? 1, agents = spec.agents ?? 1;
  checkDims(label, { M, N, K, batch });
  checkAgents(label, agents);
  if (batch * agents > 65535) throw new Error(`${label}: batch ${batch} × ${agents} agents exceeds the 65535 workgroups of one dispatch dimension; split it`);
  const off = bufs.offsets ?? {};
  const o = { a: off.a ?? 0, b: off.b ?? 0, c: off.c ?? 0, bias: off.bias ?? 0, gate: off.gate ?? 0 };
  // Rows of op(A) held in the A buffer.
  const rowsA = spec.onesRow ? M - 1 : M;
  if (rowsA < 1) throw new Error(`${label}: onesRow needs M >= 2 (at least one stored row of A), got M = ${M}`);
  const sb = bufs.strides ?? {};
  const st = { a: sb.a ?? rowsA * K, b: sb.b ?? K * N, c: sb.c ?? M * N, bias: sb.bias ?? N, gate: sb.gate ?? M * N };
  for (const [k, v] of Object.entries(st)) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`${label}: batch stride of '${k}' must be a non-negative integer, got ${v}`);
  }
  // Items of one batch may not overlap in C (each invocation writes its own outputs only).
  if (batch > 1 && st.c < M * N) throw new Error(`${label}: batch stride of 'c' (${st.c}) is smaller than one [${M}, ${N}] result; outputs would overlap`);
  const extent = (stride: number, one: number) => (batch - 1) * stride + one;
  checkExtent(label, 'a', bufs.a, o.a, extent(st.a, rowsA * K), agents);
  checkExtent(label, 'b', bufs.b, o.b, extent(st.b, K * N), agents);
  checkExtent(label, 'c', bufs.c, o.c, extent(st.c, M * N), agents);
  if (agents > 1 && agentStride(bufs.c) === 0) throw new Error(`${label}: ${agents} agents would write one shared C; give C a per-agent buffer (agentBuffer)`);
  if (spec.bias) {
    if (!bufs.bias) throw new Error(`${label}: spec.bias is set but no bias buffer was given`);
    checkExtent(label, 'bias', bufs.bias, o.bias, extent(st.bias, N), agents);
  }
  const gate = spec.gate ?? 'none';
  if (gate !== 'none') {
    if (!bufs.gate) throw new Error(`${label}: spec.gate is set but no gate buffer was given`);
    checkExtent(label, 'gate', bufs.gate, o.gate, extent(st.gate, M * N), agents);
  }
  const ag = { a: agentStride(bufs.a), b: agentStride(bufs.b), c: agentStride(bufs.c), bias: bufs.bias ? agentStride(bufs.bias) : 0, gate: bufs.gate ? agentStride(bufs.gate) : 0 };
  let variant = spec.variant ?? autoMatmulVariant(dev, spec, o.b, st.b, ag.b);
  // An explicit vec4 request falls back where its alignment does not hold, a subgroup one where
  // the device has no subgroups of 4 lanes (the same results: every variant sums k in order).
  if (variant === 'regblock_vec4' && !vec4Eligible(spec, o.b, st.b, ag.b)) variant = 'regblock';
  if (variant === 'subgroup' && !hasSubgroupLanes(dev)) variant = 'regblock8';
  const constants = {
    TRANS_A: !!spec.transA, TRANS_B: !!spec.transB, HAS_BIAS: !!spec.bias,
    ACT: ACTIVATION_CODE[spec.act ?? 'none'], GATE: ACTIVATION_CODE[gate], ACCUM: !!spec.accum, ONES_ROW: !!spec.onesRow,
  };
  const kernel = variant === 'subgroup' ? new Kernel(dev, 'matmul.matmul_subgroup', subgroupModule(), 'matmul_subgroup', constants)
    : familyKernel(dev, 'matmul', `matmul_${variant}`, constants);
  let wg: [number, number, number];
  if (variant === 'tiled') wg = [Math.ceil(N / 64), Math.ceil(M / 64), batch * agents];
  else if (variant === 'subgroup') {
    // One subgroup of 4 lanes per 32 × 16 tile of the stored rows (the ones row rides along).
    const tiles = Math.ceil(rowsA / SG.rows) * Math.ceil(N / SG.cols);
    const g = grid(tiles * SUBGROUP_LANES, SG.workgroup);
    wg = [g[0], g[1], batch * agents];
  } else {
    const block = variant === 'naive' ? 1 : variant === 'regblock8' ? 8 : 4;
    const threads = Math.ceil(M / block) * Math.ceil(N / block);
    const g = grid(threads, 64);
    wg = [g[0], g[1], batch * agents];
  }
  const dummy = dummyBuffer(dev);
  const bindings: Record<number, GPUBuffer> = { 1: bufs.a, 2: bufs.b, 3: bufs.bias ?? dummy, 4: bufs.c, 5: bufs.gate ?? dummy };
  if (variant === 'regblock_vec4') { delete bindings[2]; bindings[6] = bufs.b; }
  const bound = kernel.bind(bindings,
    [M, N, K, batch, o.a, o.b, o.c, o.bias, st.a, st.b, st.c, st.bias, o.gate, st.gate, rowsA, 0, ag.a, ag.b, ag.c, ag.bias, ag.gate, 0, 0, 0],
    wg, label);
  // Each operand read once, C written once (and read once more when accumulating).
  const floats = agents * batch * (rowsA * K + K * N + M * N * (spec.accum ? 2 : 1) + (spec.bias ? N : 0) + (gate !== 'none' ? M * N : 0));
  bound.cost = { flops: matmulFlops(spec), bytes: 4 * floats };
  return bound;
}

export function matmulFlops(spec: Pick<MatmulSpec, 'M' | 'N' | 'K' | 'batch' | 'agents'>): number {
  return 2 * spec.M * spec.N * spec.K * (spec.batch ?? 1) * (spec.agents ?? 1);
}
