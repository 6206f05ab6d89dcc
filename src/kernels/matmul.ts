// Batched matmul with fused bias, activation and backward gating (shaders/matmul.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, dummyBuffer, familyKernel } from './common.js';

export type Activation = 'none' | 'tanh' | 'relu';
export const ACTIVATION_CODE: Record<Activation, number> = { none: 0, tanh: 1, relu: 2 };
export type MatmulVariant = 'naive' | 'regblock' | 'regblock_vec4' | 'tiled';
export const MATMUL_VARIANTS: MatmulVariant[] = ['naive', 'regblock', 'regblock_vec4', 'tiled'];

export interface MatmulSpec {
  M: number; N: number; K: number;
  /** Independent products in one dispatch (K networks at once). Default 1. */
  batch?: number;
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
  /** Kernel variant; default: regblock on software adapters, tiled on hardware. */
  variant?: MatmulVariant;
}

export interface MatmulBuffers {
  a: GPUBuffer; b: GPUBuffer; c: GPUBuffer; bias?: GPUBuffer; gate?: GPUBuffer;
  /** Element offsets into each buffer (default 0). */
  offsets?: { a?: number; b?: number; c?: number; bias?: number; gate?: number };
}

/** regblock_vec4 reads B as vec4 rows: B not transposed, N and B's offset multiples of 4. */
export function vec4Eligible(spec: MatmulSpec, offB = 0): boolean {
  return !spec.transB && spec.N % 4 === 0 && offB % 4 === 0;
}

export function defaultMatmulVariant(dev: WgrlDevice): MatmulVariant {
  // SwiftShader runs a workgroup barrier at ~40-120 ns per invocation, so the barrier-free
  // register-blocked kernel wins there; on real GPUs shared-memory tiles win at large sizes.
  return dev.choose('matmul-variant', () => (dev.adapter.isSoftware ? 'regblock' : 'tiled')) as MatmulVariant;
}

/** Binds C = gate(act(op(A)·op(B) + bias)) (+C); returns a dispatch to encode in a pass. */
export function matmul(dev: WgrlDevice, spec: MatmulSpec, bufs: MatmulBuffers, label = 'matmul'): BoundKernel {
  const { M, N, K } = spec;
  const batch = spec.batch ?? 1;
  checkDims(label, { M, N, K, batch });
  if (batch > 65535) throw new Error(`${label}: batch ${batch} exceeds the 65535 workgroups of one dispatch dimension; split it`);
  const o = { a: 0, b: 0, c: 0, bias: 0, gate: 0, ...bufs.offsets };
  checkExtent(label, 'a', bufs.a, o.a, batch * M * K);
  checkExtent(label, 'b', bufs.b, o.b, batch * K * N);
  checkExtent(label, 'c', bufs.c, o.c, batch * M * N);
  if (spec.bias) {
    if (!bufs.bias) throw new Error(`${label}: spec.bias is set but no bias buffer was given`);
    checkExtent(label, 'bias', bufs.bias, o.bias, batch * N);
  }
  const gate = spec.gate ?? 'none';
  if (gate !== 'none') {
    if (!bufs.gate) throw new Error(`${label}: spec.gate is set but no gate buffer was given`);
    checkExtent(label, 'gate', bufs.gate, o.gate, batch * M * N);
  }
  let variant = spec.variant ?? defaultMatmulVariant(dev);
  // The vec4 form of regblock where its alignment holds; explicit requests fall back when it does not.
  if (variant === 'regblock' && !spec.variant && vec4Eligible(spec, o.b)) variant = 'regblock_vec4';
  if (variant === 'regblock_vec4' && !vec4Eligible(spec, o.b)) variant = 'regblock';
  const kernel = familyKernel(dev, 'matmul', `matmul_${variant}`, {
    TRANS_A: !!spec.transA, TRANS_B: !!spec.transB, HAS_BIAS: !!spec.bias,
    ACT: ACTIVATION_CODE[spec.act ?? 'none'], GATE: ACTIVATION_CODE[gate], ACCUM: !!spec.accum,
  });
  let wg: [number, number, number];
  if (variant === 'tiled') wg = [Math.ceil(N / 64), Math.ceil(M / 64), batch];
  else {
    const threads = variant === 'naive' ? M * N : Math.ceil(M / 4) * Math.ceil(N / 4);
    const g = grid(threads, 64);
    wg = [g[0], g[1], batch];
  }
  const dummy = dummyBuffer(dev);
  const bindings: Record<number, GPUBuffer> = { 1: bufs.a, 2: bufs.b, 3: bufs.bias ?? dummy, 4: bufs.c, 5: bufs.gate ?? dummy };
  if (variant === 'regblock_vec4') { delete bindings[2]; bindings[6] = bufs.b; }
  return kernel.bind(bindings,
    [M, N, K, batch, o.a, o.b, o.c, o.bias, M * K, K * N, M * N, N, o.gate, M * N, 0, 0],
    wg, label);
}

export function matmulFlops(spec: Pick<MatmulSpec, 'M' | 'N' | 'K' | 'batch'>): number {
  return 2 * spec.M * spec.N * spec.K * (spec.batch ?? 1);
}
