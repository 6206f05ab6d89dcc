import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { softmax } from '../src/kernels/softmax.js';
import { categorical, gaussian, type DistributionQuantity } from '../src/kernels/distributions.js';
import { softmaxRef, logSoftmaxRef, categoricalRef, gaussianRef } from '../src/reference/distributions.js';
import { runDispatches } from '../src/gpu/kernel.js';

const Q: DistributionQuantity[] = ['logprob', 'entropy', 'kl'];

/** Central differences in f64 of f at x along each coordinate. */
function fdGrad(f: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const xp = x.slice(), xm = x.slice();
    xp[i] += h; xm[i] -= h;
    return (f(xp) - f(xm)) / (2 * h);
  });
}

describe('softmax / log-softmax', () => {
  it('matches the reference on 100 random shapes (incl. 1 row, 1 column, large logits)', async () => {
    const dev = await getDevice();
    const r = rng(11);
    for (let s = 0; s < 100; s++) {
      const R = s < 5 ? 1 : randInt(r, 1, 300), C = s % 10 === 0 ? 1 : randInt(r, 1, 40);
      const scale = s % 7 === 0 ? 60 : 4; // large logits check the max shift
      const x = randArray(r, R * C, -scale, scale);
      const log = s % 2 === 0;
      const bx = dev.upload('x', x), by = dev.buffer('y', R * C * 4);
      runDispatches(dev, 'softmax test', [softmax(dev, { R, C, log }, { x: bx, y: by })]);
      const got = await dev.readF32(by, R * C);
      const want: number[] = [];
      for (let i = 0; i < R; i++) want.push(...(log ? logSoftmaxRef : softmaxRef)(x.subarray(i * C, (i + 1) * C)));
      expectClose(got, want, 2e-5 * (log ? scale : 1), 1e-5, `softmax R=${R} C=${C} log=${log}`);
      bx.destroy(); by.destroy();
    }
  });
});

describe('categorical distribution', () => {
  it('gradient formulas agree with f64 finite differences', () => {
    const r = rng(5);
    for (let s = 0; s < 50; s++) {
      const A = randInt(r, 1, 9);
      const z = Array.from(randArray(r, A, -3, 3)), zo = Array.from(randArray(r, A, -3, 3));
      const a = randInt(r, 0, A - 1);
      for (const q of Q) {
        const [, g] = categoricalRef(q, z, a, zo);
        expectClose(g, fdGrad((zz) => categoricalRef(q, zz, a, zo)[0], z), 1e-7, 1e-6, `categorical ${q} FD`);
      }
    }
  });

  it('GPU values and gradients match the reference on 100 random shapes per quantity', async () => {
    const dev = await getDevice();
    const r = rng(6);
    for (const q of Q) {
      for (let s = 0; s < 100; s++) {
        const R = s < 3 ? 1 : randInt(r, 1, 200), A = s % 9 === 0 ? 1 : randInt(r, 1, 20);
        const z = randArray(r, R * A, -4, 4), zo = randArray(r, R * A, -4, 4);
        const acts = Uint32Array.from({ length: R }, () => randInt(r, 0, A - 1));
        const b = { logits: dev.upload('z', z), oldLogits: dev.upload('zo', zo), actions: dev.upload('a', acts), value: dev.buffer('v', R * 4), grad: dev.buffer('g', R * A * 4) };
        runDispatches(dev, 'categorical test', [categorical(dev, q, { R, A }, b)]);
        const v = await dev.readF32(b.value, R), g = await dev.readF32(b.grad, R * A);
        const wv: number[] = [], wg: number[] = [];
        for (let i = 0; i < R; i++) {
          const [val, grad] = categoricalRef(q, Array.from(z.subarray(i * A, (i + 1) * A)), acts[i], Array.from(zo.subarray(i * A, (i + 1) * A)));
          wv.push(val); wg.push(...grad);
        }
        expectClose(v, wv, 3e-5, 1e-4, `categorical ${q} value R=${R} A=${A}`);
        expectClose(g, wg, 3e-5, 1e-4, `categorical ${q} grad R=${R} A=${A}`);
        Object.values(b).forEach((x) => x.destroy());
      }
    }
  });

  it('GPU gradient agrees with finite differences of GPU values', async () => {
    const dev = await getDevice();
    const r = rng(7);
    const A = 5, R = 1, h = 1e-2;
    const z = randArray(r, A, -1, 1), zo = randArray(r, A, -1, 1);
    const actions = dev.upload('a', new Uint32Array([2]));
    for (const q of Q) {
      const evalAt = async (zz: Float32Array) => {
        const b = { logits: dev.upload('z', zz), oldLogits: dev.upload('zo', zo), actions, value: dev.buffer('v', 4), grad: dev.buffer('g', A * 4) };
        runDispatches(dev, 'fd', [categorical(dev, q, { R, A }, b)]);
        return { v: (await dev.readF32(b.value, 1))[0], g: await dev.readF32(b.grad, A) };
      };
      const { g } = await evalAt(z);
      for (let i = 0; i < A; i++) {
        const zp = z.slice(), zm = z.slice();
        zp[i] += h; zm[i] -= h;
        const fd = ((await evalAt(zp)).v - (await evalAt(zm)).v) / (2 * h);
        expect(Math.abs(fd - g[i]), `${q} d/dz${i}: fd ${fd} vs ${g[i]}`).toBeLessThan(2e-3);
      }
    }
  });

  it('KL of a distribution with itself is 0 and never negative', async () => {
    const dev = await getDevice();
    const r = rng(8);
    const R = 64, A = 6;
    const z = randArray(r, R * A, -20, 20);
    const b = { logits: dev.upload('z', z), oldLogits: dev.upload('zo', z), value: dev.buffer('v', R * 4), grad: dev.buffer('g', R * A * 4) };
    runDispatches(dev, 'kl self', [categorical(dev, 'kl', { R, A }, b)]);
    const v = await dev.readF32(b.value, R);
    for (const x of v) { expect(x).toBeGreaterThanOrEqual(0); expect(x).toBeLessThan(1e-6); }
  });
});

describe('diagonal Gaussian', () => {
  it('gradient formulas agree with f64 finite differences (mean and log-std)', () => {
    const r = rng(9);
    for (let s = 0; s < 50; s++) {
      const D = randInt(r, 1, 6);
      const mu = Array.from(randArray(r, D)), ls = Array.from(randArray(r, D, -1, 0.5));
      const a = Array.from(randArray(r, D, -2, 2)), mo = Array.from(randArray(r, D)), lo = Array.from(randArray(r, D, -1, 0.5));
      for (const q of Q) {
        const [, dm, dl] = gaussianRef(q, mu, ls, a, mo, lo);
        expectClose(dm, fdGrad((m) => gaussianRef(q, m, ls, a, mo, lo)[0], mu), 1e-6, 1e-6, `gauss ${q} dmean`);
        expectClose(dl, fdGrad((l) => gaussianRef(q, mu, l, a, mo, lo)[0], ls), 1e-6, 1e-6, `gauss ${q} dlogstd`);
      }
    }
  });

  it('GPU values and gradients match the reference on 100 random shapes per quantity', async () => {
    const dev = await getDevice();
    const r = rng(10);
    for (const q of Q) {
      for (let s = 0; s < 100; s++) {
        const R = s < 3 ? 1 : randInt(r, 1, 150), D = s % 8 === 0 ? 1 : randInt(r, 1, 8);
        const mu = randArray(r, R * D, -2, 2), ls = randArray(r, D, -1.5, 0.5), mo = randArray(r, R * D, -2, 2), lo = randArray(r, D, -1.5, 0.5);
        const a = randArray(r, R * D, -3, 3);
        const b = {
          mean: dev.upload('mu', mu), logstd: dev.upload('ls', ls), oldMean: dev.upload('mo', mo), oldLogstd: dev.upload('lo', lo),
          actions: dev.upload('a', a), value: dev.buffer('v', R * 4), gradMean: dev.buffer('gm', R * D * 4), gradLogstd: dev.buffer('gl', R * D * 4),
        };
        runDispatches(dev, 'gaussian test', [gaussian(dev, q, { R, D }, b)]);
        const v = await dev.readF32(b.value, R), gm = await dev.readF32(b.gradMean, R * D), gl = await dev.readF32(b.gradLogstd, R * D);
        const wv: number[] = [], wm: number[] = [], wl: number[] = [];
        for (let i = 0; i < R; i++) {
          const sl = (x: Float32Array) => Array.from(x.subarray(i * D, (i + 1) * D));
          const [val, dm, dl] = gaussianRef(q, sl(mu), Array.from(ls), sl(a), sl(mo), Array.from(lo));
          wv.push(val); wm.push(...dm); wl.push(...dl);
        }
        expectClose(v, wv, 1e-4, 1e-4, `gauss ${q} value R=${R} D=${D}`);
        expectClose(gm, wm, 1e-4, 1e-4, `gauss ${q} dmean`);
        expectClose(gl, wl, 1e-4, 1e-4, `gauss ${q} dlogstd`);
        Object.values(b).forEach((x) => x.destroy());
      }
    }
  });
});
