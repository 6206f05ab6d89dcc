// MLPs stored in one flat f32 parameter buffer: per layer W [in, out] (row-major, so Y = X·W)
// then b [out]. Forward and backward over a minibatch are matmul dispatches (shaders/matmul.wgsl).
import type { WgrlDevice } from '../gpu/device.js';
import type { BoundKernel } from '../gpu/kernel.js';
import { matmul, type Activation } from '../kernels/matmul.js';
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

/** acts[l] = act(acts[l-1]·W_l + b_l); the last layer is linear. `acts` are [B, dims[l+1]] buffers. */
export function mlpForward(dev: WgrlDevice, layout: MlpLayout, B: number, act: Activation, input: Slice, params: GPUBuffer, acts: GPUBuffer[], label: string): BoundKernel[] {
  const out: BoundKernel[] = [];
  const L = layout.dims.length - 1;
  for (let l = 0; l < L; l++) {
    const a = l === 0 ? input : { buffer: acts[l - 1], offset: 0 };
    out.push(matmul(dev, { M: B, K: layout.dims[l], N: layout.dims[l + 1], bias: true, act: l === L - 1 ? 'none' : act },
      { a: a.buffer, b: params, bias: params, c: acts[l], offsets: { a: a.offset, b: layout.w[l], bias: layout.b[l] } }, `${label} forward ${l}`));
  }
  return out;
}

/**
 * Gradients of a loss whose derivative w.r.t. the MLP output is `dOut` [B, out], written
 * (not accumulated) into `grads` at the layout's offsets. `dH` are two scratch buffers of
 * [B, max hidden] used in turn for the hidden-layer derivatives.
 */
export function mlpBackward(dev: WgrlDevice, layout: MlpLayout, B: number, act: Activation, input: Slice, acts: GPUBuffer[],
  dOut: Slice, params: GPUBuffer, grads: GPUBuffer, dH: [GPUBuffer, GPUBuffer], label: string): BoundKernel[] {
  const out: BoundKernel[] = [];
  const L = layout.dims.length - 1;
  let d: Slice = dOut;
  for (let l = L - 1; l >= 0; l--) {
    const nin = layout.dims[l], nout = layout.dims[l + 1];
    const x = l === 0 ? input : { buffer: acts[l - 1], offset: 0 };
    // dW_l = Xᵀ·d ; db_l = Σ_rows d. When b_l directly follows W_l (nin·nout % 4 == 0 in the
    // 4-aligned layout) both come from one matmul whose A has an extra row of ones.
    if (layout.b[l] === layout.w[l] + nin * nout) {
      out.push(matmul(dev, { M: nin + 1, K: B, N: nout, transA: true, onesRow: true },
        { a: x.buffer, b: d.buffer, c: grads, offsets: { a: x.offset, b: d.offset, c: layout.w[l] } }, `${label} dW ${l}`));
    } else {
      out.push(matmul(dev, { M: nin, K: B, N: nout, transA: true }, { a: x.buffer, b: d.buffer, c: grads, offsets: { a: x.offset, b: d.offset, c: layout.w[l] } }, `${label} dW ${l}`));
      out.push(colSum(dev, { R: B, C: nout }, { x: d.buffer, out: grads, offsets: { x: d.offset, out: layout.b[l] } }));
    }
    if (l > 0) {
      // d_{l-1} = (d·W_lᵀ) ⊙ act'(H_{l-1})
      const next = dH[(L - 1 - l) % 2];
      out.push(matmul(dev, { M: B, K: nout, N: nin, transB: true, gate: act },
        { a: d.buffer, b: params, c: next, gate: acts[l - 1], offsets: { a: d.offset, b: layout.w[l] } }, `${label} dX ${l}`));
      d = { buffer: next, offset: 0 };
    }
  }
  return out;
}
