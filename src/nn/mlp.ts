// MLPs stored in one flat f32 parameter buffer: per layer W [in, out] (row-major, so Y = X·W)
// then b [out]. Forward and backward over a minibatch are matmul dispatches (shaders/matmul.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import type { BoundKernel } from '../gpu/kernel.js';
import { matmul, type Activation, type MatmulSpec } from '../kernels/matmul.js';
import { colSum } from '../kernels/reduce.js';
import { CpuRng } from '../util/random.js';

export interface MlpLayout {
  /** [in, hidden..., out] */
  dims: number[];
  /** Element offset of each layer's W and b in the flat parameter buffer. */
  w: number[];
  b: number[];
  offset: number;
  size: number;
}

export function mlpLayout(dims: number[], offset: number): MlpLayout {
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`MLP sizes must be positive integers, got [${dims}]`);
  const w: number[] = [], b: number[] = [];
  // Every W and b starts at a multiple of 4 elements, so kernels can read them as vec4 rows.
  const align = (x: number) => Math.ceil(x / 4) * 4;
  let o = align(offset);
  for (let l = 0; l + 1 < dims.length; l++) {
    w.push(o); o = align(o + dims[l] * dims[l + 1]);
    b.push(o); o = align(o + dims[l + 1]);
  }
  return { dims, w, b, offset, size: o - offset };
}

/**
 * torch.nn.init.orthogonal_(W, gain) for a PyTorch weight of shape [out, in], written
 * transposed into `params` as [in, out]; biases 0 (CleanRL's layer_init).
 */
export function orthogonalInit(params: Float32Array, layout: MlpLayout, gains: number[], rng: CpuRng): void {
  for (let l = 0; l + 1 < layout.dims.length; l++) {
    const nin = layout.dims[l], nout = layout.dims[l + 1];
    const rows = Math.max(nout, nin), cols = Math.min(nout, nin);
    // Q of a rows×cols Gaussian matrix (modified Gram-Schmidt), columns orthonormal.
    const q: number[][] = Array.from({ length: cols }, () => Array.from({ length: rows }, () => rng.normal()));
    for (let j = 0; j < cols; j++) {
      for (let k = 0; k < j; k++) {
        let d = 0; for (let i = 0; i < rows; i++) d += q[j][i] * q[k][i];
        for (let i = 0; i < rows; i++) q[j][i] -= d * q[k][i];
      }
      let n = 0; for (let i = 0; i < rows; i++) n += q[j][i] ** 2;
      n = Math.sqrt(n);
      for (let i = 0; i < rows; i++) q[j][i] /= n;
    }
    // Torch weight Wt[out][in]: if out >= in, Wt = Q (out×in); else Wt = Qᵀ.
    for (let o = 0; o < nout; o++) {
      for (let i = 0; i < nin; i++) {
        const v = nout >= nin ? q[i][o] : q[o][i];
        params[layout.w[l] + i * nout + o] = gains[l] * v;
      }
    }
    params.fill(0, layout.b[l], layout.b[l] + nout);
  }
}

export interface Slice { buffer: GPUBuffer; offset: number }

/** One network of a pass: its layout and where its layer outputs live (acts[l]: [B, dims[l+1]]). */
export interface MlpSlots {
  layout: MlpLayout;
  acts: Slice[];
  label: string;
}

/** Backward also needs dL/d(output) [B, out] and two scratch slices of [B, max hidden] used in turn. */
export interface MlpBackwardSlots extends MlpSlots {
  dOut: Slice;
  dH: [Slice, Slice];
}

/** acts[l] = act(acts[l-1]·W_l + b_l); the last layer is linear. `acts` are [B, dims[l+1]] buffers. */
export function mlpForward(dev: WgrlDevice, layout: MlpLayout, B: number, act: Activation, input: Slice, params: GPUBuffer, acts: GPUBuffer[], label: string): BoundKernel[] {
  return mlpForwardNets(dev, [{ layout, acts: acts.map((buffer) => ({ buffer, offset: 0 })), label }], B, act, input, params);
}

/**
 * Gradients of a loss whose derivative w.r.t. the MLP output is `dOut` [B, out], written
 * (not accumulated) into `grads` at the layout's offsets. `dH` are two scratch buffers of
 * [B, max hidden] used in turn for the hidden-layer derivatives.
 */
export function mlpBackward(dev: WgrlDevice, layout: MlpLayout, B: number, act: Activation, input: Slice, acts: GPUBuffer[],
  dOut: Slice, params: GPUBuffer, grads: GPUBuffer, dH: [GPUBuffer, GPUBuffer], label: string): BoundKernel[] {
  const net: MlpBackwardSlots = { layout, acts: acts.map((buffer) => ({ buffer, offset: 0 })), label, dOut, dH: [{ buffer: dH[0], offset: 0 }, { buffer: dH[1], offset: 0 }] };
  return mlpBackwardNets(dev, [net], B, act, input, params, grads);
}

/**
 * Forward of one or more MLPs over the same input (the actor and the critic). A layer with the
 * same shape in two nets becomes one matmul over a batch of 2 (see pairedMatmul). With
 * outputLayers false, each net's last layer is left to the caller.
 */
export function mlpForwardNets(dev: WgrlDevice, nets: MlpSlots[], B: number, act: Activation, input: Slice, params: GPUBuffer, agents = 1,
  opts: { outputLayers?: boolean } = {}): BoundKernel[] {
  const out: BoundKernel[] = [];
  const depth = Math.max(...nets.map((n) => n.layout.dims.length - 1));
  // Without the output layers (a fused kernel computes them): each net's hidden layers only.
  const skip = opts.outputLayers === false ? 1 : 0;
  for (let l = 0; l < depth; l++) {
    out.push(...pairedMatmul(dev, 'forward', nets.map((n) => {
      const L = n.layout.dims.length - 1;
      if (l >= L - skip) return null;
      const a = l === 0 ? input : n.acts[l - 1];
      return {
        label: n.label, layer: l,
        spec: { M: B, K: n.layout.dims[l], N: n.layout.dims[l + 1], bias: true, act: l === L - 1 ? 'none' : act, agents },
        a, b: { buffer: params, offset: n.layout.w[l] }, bias: { buffer: params, offset: n.layout.b[l] }, c: n.acts[l],
      };
    })));
  }
  return out;
}

/**
 * Backward of one or more MLPs, from the output layer down: per layer dW (with db as its last
 * row when b follows W), then dX gated by the activation's derivative. Layers with the same shape
 * in two nets (counted from the output) run as one batched matmul. With outputLayerDx false the
 * caller has already written the output layers' gated input gradients to each net's dH[0].
 */
export function mlpBackwardNets(dev: WgrlDevice, nets: MlpBackwardSlots[], B: number, act: Activation, input: Slice,
  params: GPUBuffer, grads: GPUBuffer, agents = 1, opts: { outputLayerDx?: boolean } = {}): BoundKernel[] {
  const out: BoundKernel[] = [];
  const depth = Math.max(...nets.map((n) => n.layout.dims.length - 1));
  // Derivative w.r.t. each net's current layer output; step j handles layer L - 1 - j.
  const d = nets.map((n) => n.dOut);
  for (let j = 0; j < depth; j++) {
    const layer = (n: MlpBackwardSlots) => n.layout.dims.length - 2 - j;
    // dW_l = Xᵀ·d ; db_l = Σ_rows d. When b_l directly follows W_l (nin·nout % 4 == 0 in the
    // 4-aligned layout) both come from one matmul whose A has an extra row of ones.
    const dW: (MatmulOp | null)[] = [];
    for (const [i, n] of nets.entries()) {
      const l = layer(n);
      if (l < 0) { dW.push(null); continue; }
      const nin = n.layout.dims[l], nout = n.layout.dims[l + 1];
      const x = l === 0 ? input : n.acts[l - 1];
      const fused = n.layout.b[l] === n.layout.w[l] + nin * nout;
      dW.push({ label: n.label, layer: l, spec: { M: fused ? nin + 1 : nin, K: B, N: nout, transA: true, onesRow: fused, agents }, a: x, b: d[i], c: { buffer: grads, offset: n.layout.w[l] } });
      if (!fused) out.push(colSum(dev, { R: B, C: nout, agents }, { x: d[i].buffer, out: grads, offsets: { x: d[i].offset, out: n.layout.b[l] } }));
    }
    out.push(...pairedMatmul(dev, 'dW', dW));
    // d_{l-1} = (d·W_lᵀ) ⊙ act'(H_{l-1})
    const dX = nets.map((n, i) => {
      const l = layer(n);
      if (l <= 0) return null;
      const next = n.dH[j % 2];
      // outputLayerDx false: a fused kernel wrote the output layer's gated input gradient to dH[0].
      if (j === 0 && opts.outputLayerDx === false) { d[i] = next; return null; }
      const op: MatmulOp = { label: n.label, layer: l, spec: { M: B, K: n.layout.dims[l + 1], N: n.layout.dims[l], transB: true, gate: act, agents },
        a: d[i], b: { buffer: params, offset: n.layout.w[l] }, c: next, gate: n.acts[l - 1] };
      d[i] = next;
      return op;
    });
    out.push(...pairedMatmul(dev, 'dX', dX));
  }
  return out;
}

/** A matmul of one net's layer with its operands as buffer slices. */
export interface MatmulOp { label: string; layer: number; spec: MatmulSpec; a: Slice; b: Slice; c: Slice; bias?: Slice; gate?: Slice }

/**
 * The given matmuls (null: a net without this layer). Two with the same spec whose operands sit
 * in the same buffers with the second's offsets at or after the first's become one dispatch over
 * a batch of 2, the offset differences as batch strides: the actor and the critic of a policy
 * share one dispatch per hidden layer (half the dispatches and twice the workgroups per dispatch).
 */
export function pairedMatmul(dev: WgrlDevice, what: string, ops: (MatmulOp | null)[]): BoundKernel[] {
  const live = ops.filter((o): o is MatmulOp => o !== null);
  const bind = (o: MatmulOp, label: string, batch?: { strides: Record<string, number> }) => matmul(dev, batch ? { ...o.spec, batch: 2 } : o.spec, {
    a: o.a.buffer, b: o.b.buffer, c: o.c.buffer, bias: o.bias?.buffer, gate: o.gate?.buffer,
    offsets: { a: o.a.offset, b: o.b.offset, c: o.c.offset, bias: o.bias?.offset, gate: o.gate?.offset }, strides: batch?.strides,
  }, label);
  if (live.length === 2) {
    const [p, q] = live;
    const strides: Record<string, number> = {};
    let ok = JSON.stringify(p.spec) === JSON.stringify(q.spec);
    for (const k of ['a', 'b', 'c', 'bias', 'gate'] as const) {
      const x = p[k], y = q[k];
      if (!x || !y) { ok &&= !x && !y; continue; }
      ok &&= x.buffer === y.buffer && y.offset >= x.offset;
      strides[k] = y.offset - x.offset;
    }
    // Each item writes its own [M, N] block of C.
    if (ok && strides.c >= p.spec.M * p.spec.N) return [bind(p, `${p.label}+${q.label} ${what} ${p.layer}`, { strides })];
  }
  return live.map((o) => bind(o, `${o.label} ${what} ${o.layer}`));
}
