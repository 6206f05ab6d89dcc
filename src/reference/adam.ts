// f64 reference Adam step with global-norm clipping (PyTorch semantics).
export function adamRef(params: Float64Array, grads: ArrayLike<number>, m: Float64Array, v: Float64Array, step: number,
  lr: number, beta1 = 0.9, beta2 = 0.999, eps = 1e-5, maxGradNorm = 0): { step: number; norm: number } {
  let ss = 0;
  for (let i = 0; i < grads.length; i++) ss += grads[i] * grads[i];
  const norm = Math.sqrt(ss);
  const clip = maxGradNorm > 0 ? Math.min(1, maxGradNorm / (norm + 1e-6)) : 1;
  const t = step + 1;
  const bc1 = 1 - beta1 ** t, bc2 = 1 - beta2 ** t;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i] * clip;
    m[i] = beta1 * m[i] + (1 - beta1) * g;
    v[i] = beta2 * v[i] + (1 - beta2) * g * g;
    params[i] -= (lr / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + eps);
  }
  return { step: t, norm };
}
