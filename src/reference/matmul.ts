// f64 CPU references for shaders/matmul.wgsl.
import type { Activation } from '../kernels/matmul.js';

export function activateRef(x: number, act: Activation): number {
  return act === 'tanh' ? Math.tanh(x) : act === 'relu' ? Math.max(0, x) : x;
}
export function activateGradFromOutputRef(h: number, act: Activation): number {
  return act === 'tanh' ? 1 - h * h : act === 'relu' ? (h > 0 ? 1 : 0) : 1;
}

export interface MatmulStrides { a?: number; b?: number; c?: number; bias?: number; gate?: number }

/**
 * Same semantics as `matmul()`: a [batch,M,K] (or [batch,K,M]; M-1 rows with onesRow), b [batch,K,N]
 * (or [batch,N,K]), batch items `strides` apart (default dense). Returns C over its whole extent
 * ((batch-1)·stride + M·N elements), starting from cIn where given, so gaps between items keep cIn.
 */
export function matmulRef(
  spec: { M: number; N: number; K: number; batch?: number; transA?: boolean; transB?: boolean; act?: Activation; gate?: Activation; accum?: boolean; onesRow?: boolean },
  a: ArrayLike<number>, b: ArrayLike<number>, bias?: ArrayLike<number>, gate?: ArrayLike<number>, cIn?: ArrayLike<number>,
  strides: MatmulStrides = {},
): Float64Array {
  const { M, N, K } = spec;
  const batch = spec.batch ?? 1;
  // With onesRow, A holds rows 0..M-2 and row M-1 of op(A) is all ones.
  const rowsA = spec.onesRow ? M - 1 : M;
  const st = { a: rowsA * K, b: K * N, c: M * N, bias: N, gate: M * N, ...strides };
  const c = new Float64Array((batch - 1) * st.c + M * N);
  if (cIn) for (let i = 0; i < c.length; i++) c[i] = cIn[i];
  for (let t = 0; t < batch; t++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = m >= rowsA ? 1 : spec.transA ? a[t * st.a + k * rowsA + m] : a[t * st.a + m * K + k];
          const bv = spec.transB ? b[t * st.b + n * K + k] : b[t * st.b + k * N + n];
          acc += av * bv;
        }
        if (bias) acc += bias[t * st.bias + n];
        acc = activateRef(acc, spec.act ?? 'none');
        const i = t * st.c + m * N + n;
        if (spec.gate && spec.gate !== 'none') acc *= activateGradFromOutputRef(gate![t * st.gate + m * N + n], spec.gate);
        if (spec.accum) acc += cIn![i];
        c[i] = acc;
      }
    }
  }
  return c;
}
