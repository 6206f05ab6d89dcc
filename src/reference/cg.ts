// f64 conjugate gradient for (A + λI)x = b with A given as a function, the same iteration and
// stopping rule as shaders/cg.wgsl.
export function conjugateGradientRef(apply: (v: Float64Array) => Float64Array, b: ArrayLike<number>, steps: number, damping = 0, tol = 1e-10): { x: Float64Array; iterations: number; rr: number } {
  const n = b.length, x = new Float64Array(n), r = Float64Array.from(b), p = Float64Array.from(b);
  let rr = r.reduce((s, v) => s + v * v, 0), iterations = 0;
  for (let k = 0; k < steps && !(rr < tol); k++) {
    const ap = apply(p), q = ap.map((v, i) => v + damping * p[i]);
    const alpha = rr / p.reduce((s, v, i) => s + v * q[i], 0);
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * q[i]; }
    const rrNew = r.reduce((s, v) => s + v * v, 0);
    for (let i = 0; i < n; i++) p[i] = r[i] + (rrNew / rr) * p[i];
    rr = rrNew;
    iterations++;
  }
  return { x, iterations, rr };
}
