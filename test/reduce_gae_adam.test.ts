import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { colSum, colStats, normalize, sumsqPartial, sumsqPartials } from '../src/kernels/reduce.js';
import { gae } from '../src/kernels/gae.js';
import { adam, adamPartialsSize } from '../src/kernels/adam.js';
import { gaeRef } from '../src/reference/gae.js';
import { adamRef } from '../src/reference/adam.js';
import { runDispatches } from '../src/gpu/kernel.js';

describe('reductions', () => {
  it('col_sum, col_stats and normalize match f64 on 100 random shapes', async () => {
    const dev = await getDevice();
    const r = rng(31);
    for (let s = 0; s < 100; s++) {
      const R = s < 3 ? 1 + s : randInt(r, 1, 3000), C = s % 6 === 0 ? 1 : randInt(r, 1, 12);
      const x = randArray(r, R * C, -2, 5);
      const bx = dev.upload('x', x), sum = dev.buffer('sum', C * 4), st = dev.buffer('stats', C * 12), nrm = dev.buffer('n', R * C * 4);
      runDispatches(dev, 'reduce test', [
        colSum(dev, { R, C, scale: 0.5 }, { x: bx, out: sum }),
        colStats(dev, { R, C }, { x: bx, out: st }),
        normalize(dev, { R, C }, { x: bx, stats: st, out: nrm }),
      ]);
      const gs = await dev.readF32(sum, C), gst = await dev.readF32(st, 3 * C), gn = await dev.readF32(nrm, R * C);
      const ws: number[] = [], wst: number[] = [], wn = new Float64Array(R * C);
      for (let c = 0; c < C; c++) {
        let m = 0; for (let i = 0; i < R; i++) m += x[i * C + c];
        const total = m; m /= R;
        let v = 0; for (let i = 0; i < R; i++) v += (x[i * C + c] - m) ** 2;
        v = R > 1 ? v / (R - 1) : 0;
        ws.push(0.5 * total); wst.push(total, m, v);
        for (let i = 0; i < R; i++) wn[i * C + c] = (x[i * C + c] - m) / (Math.sqrt(v) + 1e-8);
      }
      expectClose(gs, ws, 1e-5 * R, 1e-5, `col_sum R=${R} C=${C}`);
      expectClose(gst, wst, 1e-5 * R, 1e-4, `col_stats R=${R} C=${C}`);
      if (R > 1) expectClose(gn, wn, 1e-4, 1e-4, `normalize R=${R} C=${C}`);
      [bx, sum, st, nrm].forEach((b) => b.destroy());
    }
  });

  it('col_stats with and without barriers: the same sums in the same order, bit for bit', async () => {
    const dev = await getDevice();
    const r = rng(34);
    for (const [R, C] of [[1, 1], [63, 1], [64, 3], [65, 2], [128, 1], [2049, 5]]) {
      const bx = dev.upload('x', randArray(r, R * C, -2, 5));
      const got: number[][] = [];
      for (const serial of [false, true]) {
        const st = dev.buffer('stats', C * 12);
        const d = colStats(dev, { R, C, serial }, { x: bx, out: st });
        expect(d.kernel.label).toBe(serial ? 'reduce.col_stats_serial' : 'reduce.col_stats');
        runDispatches(dev, 'col_stats', [d]);
        got.push(Array.from(await dev.readF32(st, 3 * C)));
      }
      expect(got[1], `R=${R} C=${C}`).toEqual(got[0]);
    }
  });

  it('sum of squares partials add up to Σx² on 100 sizes', async () => {
    const dev = await getDevice();
    const r = rng(32);
    for (let s = 0; s < 100; s++) {
      const n = s < 2 ? 1 : randInt(r, 1, 300000);
      const x = randArray(r, n), P = sumsqPartials(n);
      const bx = dev.upload('x', x), out = dev.buffer('p', P * 4);
      runDispatches(dev, 'sumsq', [sumsqPartial(dev, { n }, { x: bx, out })]);
      const p = await dev.readF32(out, P);
      let want = 0; for (const v of x) want += v * v;
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - want)).toBeLessThan(1e-4 * want + 1e-6);
      bx.destroy(); out.destroy();
    }
  });
});

describe('GAE', () => {
  it('matches f64 on 100 random rollouts, with and without truncation bootstrap', async () => {
    const dev = await getDevice();
    const r = rng(33);
    for (let s = 0; s < 100; s++) {
      const T = s < 2 ? 1 : randInt(r, 1, 130), N = s % 7 === 0 ? 1 : randInt(r, 1, 70), boot = s % 2 === 1;
      const rew = randArray(r, T * N, -1, 1), val = randArray(r, (T + 1) * N, -2, 2), fin = randArray(r, T * N, -2, 2);
      const term = Uint32Array.from({ length: T * N }, () => (r() < 0.05 ? 1 : 0));
      const trunc = Uint32Array.from({ length: T * N }, () => (r() < 0.05 ? 1 : 0));
      const b = {
        rewards: dev.upload('r', rew), values: dev.upload('v', val), terminated: dev.upload('te', term), truncated: dev.upload('tr', trunc),
        finalValues: dev.upload('fv', fin), advantages: dev.buffer('adv', T * N * 4), returns: dev.buffer('ret', T * N * 4),
      };
      runDispatches(dev, 'gae test', [gae(dev, { T, N, gamma: 0.99, lambda: 0.95, bootstrapTruncation: boot }, b)]);
      const want = gaeRef(T, N, 0.99, 0.95, rew, val, term, trunc, fin, boot);
      expectClose(await dev.readF32(b.advantages, T * N), want.advantages, 2e-5 * Math.sqrt(T), 1e-4, `gae adv T=${T} N=${N}`);
      expectClose(await dev.readF32(b.returns, T * N), want.returns, 2e-5 * Math.sqrt(T), 1e-4, `gae ret T=${T} N=${N}`);
      Object.values(b).forEach((x) => x.destroy());
    }
  });

  it('bootstrapping changes exactly the truncated steps and the ones before them', () => {
    const T = 4, N = 1;
    const rew = [1, 1, 1, 1], val = [0.5, 0.5, 0.5, 0.5, 0.5], fin = [0, 9, 0, 0];
    const off = gaeRef(T, N, 0.9, 1, rew, val, [0, 0, 0, 0], [0, 1, 0, 0], fin, false);
    const on = gaeRef(T, N, 0.9, 1, rew, val, [0, 0, 0, 0], [0, 1, 0, 0], fin, true);
    expect(on.advantages[1] - off.advantages[1]).toBeCloseTo(0.9 * 9, 10);
    expect(on.advantages[2]).toBeCloseTo(off.advantages[2], 12);
  });
});

describe('Adam with global-norm clipping', () => {
  it('matches the f64 PyTorch-style step over 100 random sizes and several steps', async () => {
    const dev = await getDevice();
    const r = rng(34);
    for (let s = 0; s < 100; s++) {
      const P = s < 2 ? 1 : randInt(r, 1, 20000);
      const maxGradNorm = s % 3 === 0 ? 0 : 0.5;
      const p0 = randArray(r, P), lr = 1e-3 * (1 + r());
      const b = {
        params: dev.upload('p', p0), grads: dev.buffer('g', P * 4), m: dev.upload('m', new Float32Array(P)), v: dev.upload('v', new Float32Array(P)),
        state: dev.upload('state', new Float32Array(4)), lr: dev.upload('lr', new Float32Array([lr])), partials: dev.buffer('part', adamPartialsSize(P) * 4),
      };
      const steps = adam(dev, { P, maxGradNorm }, b);
      const rp = Float64Array.from(p0), rm = new Float64Array(P), rv = new Float64Array(P);
      let step = 0;
      for (let k = 0; k < 3; k++) {
        const g = randArray(r, P, -0.1, 0.1);
        dev.write(b.grads, g);
        runDispatches(dev, 'adam test', steps);
        const res = adamRef(rp, g, rm, rv, step, lr, 0.9, 0.999, 1e-5, maxGradNorm);
        step = res.step;
        const st = await dev.readF32(b.state, 4);
        expect(st[0]).toBe(step);
        expect(Math.abs(st[1] - res.norm)).toBeLessThan(1e-4 * res.norm + 1e-7);
      }
      expectClose(await dev.readF32(b.params, P), rp, 2e-6, 1e-4, `adam P=${P}`);
      expectClose(await dev.readF32(b.m, P), rm, 1e-7, 1e-4, `adam m P=${P}`);
      Object.values(b).forEach((x) => x.destroy());
    }
  });
});
