// Statistics for results over seeds, as rliable recommends (Agarwal et al., "Deep RL at the
// edge of the statistical precipice", NeurIPS 2021): the interquartile mean with a percentile
// bootstrap interval over seeds, and curves as the median with a 25–75 % band.
import { CpuRng } from '../util/random.js';

/** The q-quantile (0 … 1) with linear interpolation between order statistics (numpy's default). */
export function quantile(xs: readonly number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1), lo = Math.floor(at), hi = Math.ceil(at);
  return s[lo] + (s[hi] - s[lo]) * (at - lo);
}

/** Interquartile mean: the mean after cutting floor(n/4) values from each end (scipy's trim_mean(x, 0.25)). */
export function iqm(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b), cut = Math.floor(s.length / 4);
  const kept = s.slice(cut, s.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

/**
 * A 95 % percentile bootstrap interval of `statistic` over the values (the seeds), from
 * `resamples` draws with replacement; seeded, so a report is reproducible.
 */
export function bootstrapInterval(xs: readonly number[], statistic: (v: number[]) => number, resamples = 2000, seed = 1): [number, number] {
  if (!xs.length) return [NaN, NaN];
  const rng = new CpuRng(seed);
  const stats: number[] = [];
  for (let r = 0; r < resamples; r++) stats.push(statistic(Array.from(xs, () => xs[Math.floor(rng.next() * xs.length)])));
  return [quantile(stats, 0.025), quantile(stats, 0.975)];
}
