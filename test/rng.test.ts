import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, expectClose } from './helpers.js';
import { uniformU32, sampleCategorical, sampleGaussian } from '../src/kernels/rng.js';
import { philox4x32_10, rand4Ref } from '../src/reference/rng.js';
import { softmaxRef } from '../src/reference/distributions.js';
import { runDispatches } from '../src/gpu/kernel.js';

describe('Philox4x32-10', () => {
  it('reference reproduces the Random123 known-answer vectors', () => {
    expect(philox4x32_10([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    const f = 0xffffffff;
    expect(philox4x32_10([f, f, f, f], [f, f])).toEqual([0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]);
    expect(philox4x32_10([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))
      .toEqual([0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]);
  });

  it('GPU output equals the reference bit for bit across seeds, streams and counters', async () => {
    const dev = await getDevice();
    for (const [seed, counter, purpose, streamOffset] of [[0, 0, 0, 0], [1, 7, 1, 3], [0xdeadbeef, 0xffffffff, 2, 1000]]) {
      const R = 257, out = dev.buffer('u', R * 16);
      runDispatches(dev, 'philox', [uniformU32(dev, { R, seed, counter, purpose, streamOffset }, { out })]);
      const got = await dev.readU32(out, 4 * R);
      for (let r = 0; r < R; r++) expect(Array.from(got.subarray(4 * r, 4 * r + 4))).toEqual(rand4Ref(seed, streamOffset + r, counter, purpose));
      out.destroy();
    }
  });
});

describe('sampling', () => {
  it('categorical draws pass a chi-square test against softmax probabilities', async () => {
    const dev = await getDevice();
    const A = 5, R = 20000;
    const row = [0.3, -1.2, 1.5, 0.0, -0.4];
    const logits = new Float32Array(R * A); for (let r = 0; r < R; r++) logits.set(row, r * A);
    const b = { logits: dev.upload('z', logits), actions: dev.buffer('a', R * 4), logp: dev.buffer('lp', R * 4) };
    runDispatches(dev, 'sample cat', [sampleCategorical(dev, { R, A, seed: 42, counter: 3 }, b)]);
    const acts = await dev.readU32(b.actions, R), lp = await dev.readF32(b.logp, R);
    const p = softmaxRef(row), counts = new Array(A).fill(0);
    for (const a of acts) counts[a]++;
    const chi2 = counts.reduce((s, c, i) => s + (c - R * p[i]) ** 2 / (R * p[i]), 0);
    expect(chi2).toBeLessThan(18.47); // χ²(4) 0.999 quantile
    for (let i = 0; i < 100; i++) expect(lp[i]).toBeCloseTo(Math.log(p[acts[i]]), 5);
  });

  it('the sampler is not a constant: a wrong distribution fails the same chi-square', () => {
    // Guards the test above: counts drawn from a different distribution must be rejected.
    const p = softmaxRef([0.3, -1.2, 1.5, 0.0, -0.4]), q = softmaxRef([0.3, -1.0, 1.5, 0.0, -0.4]), R = 20000;
    const chi2 = q.reduce((s, qi, i) => s + (R * qi - R * p[i]) ** 2 / (R * p[i]), 0);
    expect(chi2).toBeGreaterThan(18.47);
  });

  it('Gaussian draws have the right mean, variance, and independence across dims', async () => {
    const dev = await getDevice();
    const D = 6, R = 20000;
    const r = rng(41);
    const mu = randArray(r, D, -1, 1), ls = randArray(r, D, -1, 0.5);
    const mean = new Float32Array(R * D); for (let i = 0; i < R; i++) mean.set(mu, i * D);
    const b = { mean: dev.upload('mu', mean), logstd: dev.upload('ls', ls), actions: dev.buffer('a', R * D * 4), logp: dev.buffer('lp', R * 4) };
    runDispatches(dev, 'sample gauss', [sampleGaussian(dev, { R, D, seed: 7, counter: 1 }, b)]);
    const a = await dev.readF32(b.actions, R * D);
    for (let j = 0; j < D; j++) {
      let m = 0, v = 0;
      for (let i = 0; i < R; i++) m += a[i * D + j];
      m /= R;
      for (let i = 0; i < R; i++) v += (a[i * D + j] - m) ** 2;
      v /= R - 1;
      const sd = Math.exp(ls[j]);
      expect(Math.abs(m - mu[j])).toBeLessThan(5 * sd / Math.sqrt(R));
      expect(Math.abs(v / (sd * sd) - 1)).toBeLessThan(5 * Math.sqrt(2 / R));
    }
    // Correlation between dimensions 0 and 1 (same Box-Muller pair) must vanish.
    let c = 0; for (let i = 0; i < R; i++) c += (a[i * D] - mu[0]) * (a[i * D + 1] - mu[1]);
    c /= R * Math.exp(ls[0]) * Math.exp(ls[1]);
    expect(Math.abs(c)).toBeLessThan(5 / Math.sqrt(R));
  });

  it('same key gives the same draws; another counter gives different ones', async () => {
    const dev = await getDevice();
    const R = 1000, A = 3, logits = dev.upload('z', new Float32Array(R * A));
    const draw = async (counter: number) => {
      const b = { logits, actions: dev.buffer('a', R * 4), logp: dev.buffer('lp', R * 4) };
      runDispatches(dev, 'draw', [sampleCategorical(dev, { R, A, seed: 9, counter }, b)]);
      return Array.from(await dev.readU32(b.actions, R));
    };
    const a1 = await draw(5), a2 = await draw(5), a3 = await draw(6);
    expect(a1).toEqual(a2);
    expect(a1).not.toEqual(a3);
  });
});
