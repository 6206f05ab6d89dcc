// Column reductions, normalisation and sum of squares (shaders/reduce.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import { grid, type BoundKernel } from '../gpu/kernel.js';
import { checkDims, checkExtent, familyKernel } from './common.js';
import { agentStride, checkAgents } from '../gpu/agents.js';

type Off = { offsets?: { x?: number; out?: number } };

/** The agent strides of x and out (src/gpu/agents.ts); a shared output for several agents is an error. */
function agentStrides(kernel: string, agents: number, bufs: { x: GPUBuffer; out: GPUBuffer }): [number, number] {
  checkAgents(kernel, agents);
  if (agents > 1 && agentStride(bufs.out) === 0) throw new Error(`${kernel}: ${agents} agents would write one shared output; give it a per-agent buffer (agentBuffer)`);
  return [agentStride(bufs.x), agentStride(bufs.out)];
}

/** out[c] (+)= scale·Σ_r x[r, c]. */
export function colSum(dev: WgrlDevice, spec: { R: number; C: number; scale?: number; accum?: boolean; agents?: number },
  bufs: { x: GPUBuffer; out: GPUBuffer } & Off): BoundKernel {
  checkDims('col_sum', { R: spec.R, C: spec.C });
  const K = spec.agents ?? 1, [ax, ao] = agentStrides('col_sum', K, bufs);
  const ox = bufs.offsets?.x ?? 0, oo = bufs.offsets?.out ?? 0;
  checkExtent('col_sum', 'x', bufs.x, ox, spec.R * spec.C, K);
  checkExtent('col_sum', 'out', bufs.out, oo, spec.C, K);
  const k = familyKernel(dev, 'reduce', 'col_sum', { ACCUM: !!spec.accum, AGENTS: K });
  return k.bind({ 1: bufs.x, 2: bufs.out }, [spec.R, spec.C, ox, oo, { f: spec.scale ?? 1 }, { f: 0 }, ax, ao], [Math.ceil(spec.C / 64), 1, K], 'col_sum');
}

/**
 * out[c] = (sum, mean, unbiased variance) over the R rows of column c. Software adapters run
 * col_stats_serial (the same sums in the same order, without barriers): the trainer's
 * per-minibatch advantage statistics took 80 µs a dispatch on SwiftShader with barriers.
 */
export function colStats(dev: WgrlDevice, spec: { R: number; C: number; agents?: number; serial?: boolean }, bufs: { x: GPUBuffer; out: GPUBuffer } & Off): BoundKernel {
  checkDims('col_stats', { R: spec.R, C: spec.C });
  if (spec.C > 65535) throw new Error(`col_stats: ${spec.C} columns exceed one dispatch dimension (65535)`);
  const K = spec.agents ?? 1, [ax, ao] = agentStrides('col_stats', K, bufs);
  const ox = bufs.offsets?.x ?? 0, oo = bufs.offsets?.out ?? 0;
  checkExtent('col_stats', 'x', bufs.x, ox, spec.R * spec.C, K);
  checkExtent('col_stats', 'out', bufs.out, oo, 3 * spec.C, K);
  const entry = (spec.serial ?? dev.adapter.isSoftware) ? 'col_stats_serial' : 'col_stats';
  return familyKernel(dev, 'reduce', entry, { AGENTS: K }).bind({ 1: bufs.x, 2: bufs.out }, [spec.R, spec.C, ox, oo, { f: 1 }, { f: 0 }, ax, ao], [spec.C, 1, K], 'col_stats');
}

/** out = (x - mean_c)/(std_c + eps), with stats [C, 3] from colStats (unbiased std; eps 1e-8 as CleanRL). */
export function normalize(dev: WgrlDevice, spec: { R: number; C: number; eps?: number },
  bufs: { x: GPUBuffer; stats: GPUBuffer; out: GPUBuffer } & Off): BoundKernel {
  checkDims('normalize', { R: spec.R, C: spec.C });
  const ox = bufs.offsets?.x ?? 0, oo = bufs.offsets?.out ?? 0;
  checkExtent('normalize', 'x', bufs.x, ox, spec.R * spec.C);
  checkExtent('normalize', 'out', bufs.out, oo, spec.R * spec.C);
  checkExtent('normalize', 'stats', bufs.stats, 0, 3 * spec.C);
  return familyKernel(dev, 'reduce', 'normalize').bind({ 1: bufs.x, 2: bufs.out, 3: bufs.stats },
    [spec.R, spec.C, ox, oo, { f: 1 }, { f: spec.eps ?? 1e-8 }, 0, 0], grid(spec.R * spec.C, 64), 'normalize');
}

/**
 * Number of partial sums used for a sum of squares over n elements: ~64 elements each, so that
 * a small parameter vector (~9k for CleanRL's networks) still spans several workgroups (one
 * workgroup runs on one core under SwiftShader); at most 1024, which adam_prepare sums serially.
 */
export function sumsqPartials(n: number): number {
  return Math.max(1, Math.min(1024, Math.ceil(n / 64)));
}

/** out[g] = Σ x[i]² over i ≡ g (mod partials). */
export function sumsqPartial(dev: WgrlDevice, spec: { n: number; partials?: number; agents?: number }, bufs: { x: GPUBuffer; out: GPUBuffer } & Off): BoundKernel {
  const P = spec.partials ?? sumsqPartials(spec.n);
  checkDims('sumsq_partial', { n: spec.n, partials: P });
  const K = spec.agents ?? 1, [ax, ao] = agentStrides('sumsq_partial', K, bufs);
  const ox = bufs.offsets?.x ?? 0, oo = bufs.offsets?.out ?? 0;
  checkExtent('sumsq_partial', 'x', bufs.x, ox, spec.n, K);
  checkExtent('sumsq_partial', 'out', bufs.out, oo, P, K);
  return familyKernel(dev, 'reduce', 'sumsq_partial', { AGENTS: K }).bind({ 1: bufs.x, 2: bufs.out },
    [spec.n, P, ox, oo, { f: 1 }, { f: 0 }, ax, ao], [Math.ceil(P / 64), 1, K], 'sumsq_partial');
}
