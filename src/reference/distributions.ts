// f64 references for categorical and Gaussian quantities and their gradients.

export function logSumExp(z: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += Math.exp(z[i] - m);
  return m + Math.log(s);
}
export function logSoftmaxRef(z: ArrayLike<number>): number[] {
  const l = logSumExp(z);
  return Array.from(z, (x) => x - l);
}
export function softmaxRef(z: ArrayLike<number>): number[] {
  return logSoftmaxRef(z).map(Math.exp);
}

/** Returns [value, d value/d logits] for one row. */
export function categoricalRef(q: 'logprob' | 'entropy' | 'kl', z: number[], a = 0, zOld: number[] = []): [number, number[]] {
  const lp = logSoftmaxRef(z), p = lp.map(Math.exp);
  if (q === 'logprob') return [lp[a], p.map((pi, i) => (i === a ? 1 : 0) - pi)];
  if (q === 'entropy') {
    const h = -p.reduce((s, pi, i) => s + pi * lp[i], 0);
    return [h, p.map((pi, i) => -pi * (lp[i] + h))];
  }
  const lpo = logSoftmaxRef(zOld), po = lpo.map(Math.exp);
  const d = po.reduce((s, pi, i) => s + pi * (lpo[i] - lp[i]), 0);
  return [d, p.map((pi, i) => pi - po[i])];
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Returns [value, d/d mean (per dim), d/d logstd (per dim)] for one row. */
export function gaussianRef(q: 'logprob' | 'entropy' | 'kl', mu: number[], ls: number[], a: number[] = [], muOld: number[] = [], lsOld: number[] = []): [number, number[], number[]] {
  const D = mu.length;
  if (q === 'logprob') {
    let s = 0; const dm: number[] = [], dl: number[] = [];
    for (let j = 0; j < D; j++) {
      const z = (a[j] - mu[j]) / Math.exp(ls[j]);
      s += -0.5 * z * z - ls[j] - HALF_LOG_2PI;
      dm.push((a[j] - mu[j]) / Math.exp(2 * ls[j]));
      dl.push(z * z - 1);
    }
    return [s, dm, dl];
  }
  if (q === 'entropy') return [ls.reduce((s, l) => s + l + 0.5 * Math.log(2 * Math.PI * Math.E), 0), mu.map(() => 0), ls.map(() => 1)];
  let s = 0; const dm: number[] = [], dl: number[] = [];
  for (let j = 0; j < D; j++) {
    const so2 = Math.exp(2 * lsOld[j]), s2 = Math.exp(2 * ls[j]), diff = muOld[j] - mu[j];
    s += ls[j] - lsOld[j] + (so2 + diff * diff) / (2 * s2) - 0.5;
    dm.push((mu[j] - muOld[j]) / s2);
    dl.push(1 - (so2 + diff * diff) / s2);
  }
  return [s, dm, dl];
}
