// f64 CPU reference for src/nn/mlp.ts: forward over a batch, and the parameter gradients of a
// loss whose derivative w.r.t. the output is dOut.
import type { Activation } from '../kernels/matmul.js';
import type { MlpLayout } from '../nn/mlp.js';
import { activateGradFromOutputRef, activateRef } from './matmul.js';

/** Activations per layer: acts[0] = x [B, dims[0]], acts[l] [B, dims[l]]; the last layer is linear. */
export function mlpForwardRef(layout: MlpLayout, params: ArrayLike<number>, x: ArrayLike<number>, B: number, act: Activation): Float64Array[] {
  const { dims } = layout;
  const acts = [Float64Array.from(x)];
  for (let l = 0; l + 1 < dims.length; l++) {
    const nin = dims[l], nout = dims[l + 1], h = acts[l], y = new Float64Array(B * nout);
    const hidden = l + 2 < dims.length;
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < nout; o++) {
        let s = params[layout.b[l] + o];
        for (let i = 0; i < nin; i++) s += h[b * nin + i] * params[layout.w[l] + i * nout + o];
        y[b * nout + o] = hidden ? activateRef(s, act) : s;
      }
    }
    acts.push(y);
  }
  return acts;
}

/** Gradient of Σ dOut ⊙ MLP(x) w.r.t. the parameters, at the layout's offsets of a [P] array. */
export function mlpBackwardRef(layout: MlpLayout, params: ArrayLike<number>, acts: Float64Array[], dOut: ArrayLike<number>,
  B: number, act: Activation, P: number): Float64Array {
  const { dims } = layout;
  const g = new Float64Array(P);
  let d = Float64Array.from(dOut);
  for (let l = dims.length - 2; l >= 0; l--) {
    const nin = dims[l], nout = dims[l + 1], x = acts[l];
    for (let b = 0; b < B; b++) {
      for (let o = 0; o < nout; o++) {
        const dv = d[b * nout + o];
        g[layout.b[l] + o] += dv;
        for (let i = 0; i < nin; i++) g[layout.w[l] + i * nout + o] += x[b * nin + i] * dv;
      }
    }
    if (l > 0) {
      const prev = new Float64Array(B * nin);
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < nin; i++) {
          let s = 0;
          for (let o = 0; o < nout; o++) s += d[b * nout + o] * params[layout.w[l] + i * nout + o];
          prev[b * nin + i] = s * activateGradFromOutputRef(x[b * nin + i], act);
        }
      }
      d = prev;
    }
  }
  return g;
}
