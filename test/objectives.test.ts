import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { policyObjective, valueLoss, ALGOS } from '../src/kernels/objectives.js';
import { policyObjectiveRef, valueLossRef } from '../src/reference/objectives.js';
import { runDispatches } from '../src/gpu/kernel.js';

describe('policy objectives', () => {
  it('derivatives agree with f64 finite differences for every algorithm', () => {
    const r = rng(21), h = 1e-6;
    for (const algo of ALGOS) {
      for (let s = 0; s < 200; s++) {
        const logp = -3 * r(), logpOld = logp + (r() - 0.5) * 0.8, adv = (r() - 0.5) * 4, d = r() * 0.06;
        // Finite differences are invalid exactly at kinks (ppo clip edges, spo-kl's d = d_max).
        const o = policyObjectiveRef(algo, logp, logpOld, adv, d, 0.2, 0.7, 0.02);
        const fdLogp = (policyObjectiveRef(algo, logp + h, logpOld, adv, d, 0.2, 0.7).value - policyObjectiveRef(algo, logp - h, logpOld, adv, d, 0.2, 0.7).value) / (2 * h);
        const fdKl = (policyObjectiveRef(algo, logp, logpOld, adv, d + h, 0.2, 0.7).value - policyObjectiveRef(algo, logp, logpOld, adv, d - h, 0.2, 0.7).value) / (2 * h);
        const ratio = Math.exp(logp - logpOld);
        if (Math.abs(ratio - 0.8) < 1e-4 || Math.abs(ratio - 1.2) < 1e-4 || Math.abs(d - 0.02) < 1e-5) continue;
        expect(Math.abs(o.dlogp - fdLogp), `${algo} dlogp`).toBeLessThan(1e-6);
        expect(Math.abs(o.dkl - fdKl), `${algo} dkl`).toBeLessThan(1e-5);
      }
    }
  });

  it('spo-kl is exact and finite at d = 0 and matches r·Â below d_max', () => {
    for (const adv of [-1.5, 0, 2]) {
      const o = policyObjectiveRef('spo-kl', -1, -1.1, adv, 0);
      expect(Number.isFinite(o.value) && Number.isFinite(o.dkl)).toBe(true);
      expect(o.value).toBeCloseTo(Math.exp(0.1) * adv, 12);
    }
  });

  it('GPU matches the reference on 100 random minibatch sizes per algorithm, incl. d = 0', async () => {
    const dev = await getDevice();
    const r = rng(22);
    for (const algo of ALGOS) {
      for (let s = 0; s < 100; s++) {
        const B = s < 3 ? 1 : randInt(r, 1, 700);
        const logp = randArray(r, B, -3, 0), logpOld = Float32Array.from(logp, (x) => x + (r() - 0.5));
        const adv = randArray(r, B, -2, 2), kl = Float32Array.from({ length: B }, (_, i) => (i % 5 === 0 ? 0 : r() * 0.05));
        const b = {
          logp: dev.upload('logp', logp), logpOld: dev.upload('lpo', logpOld), adv: dev.upload('adv', adv), kl: dev.upload('kl', kl),
          loss: dev.buffer('loss', B * 4), grads: dev.buffer('g', B * 8), diag: dev.buffer('d', B * 12),
        };
        runDispatches(dev, 'objective test', [policyObjective(dev, { B, algo, eps: 0.2, beta: 0.7, dmax: 0.02 }, b)]);
        const loss = await dev.readF32(b.loss, B), g = await dev.readF32(b.grads, 2 * B), diag = await dev.readF32(b.diag, 3 * B);
        const wl: number[] = [], wg: number[] = [], wd: number[] = [];
        for (let i = 0; i < B; i++) {
          const o = policyObjectiveRef(algo, logp[i], logpOld[i], adv[i], kl[i], 0.2, 0.7, 0.02);
          wl.push(-o.value / B); wg.push(-o.dlogp / B, -o.dkl / B);
          const ratio = Math.exp(logp[i] - logpOld[i]);
          wd.push(ratio - 1 - Math.log(ratio), Math.abs(ratio - 1) > 0.2 ? 1 : 0, ratio);
        }
        expectClose(loss, wl, 1e-5 / B, 1e-4, `${algo} loss B=${B}`);
        expectClose(g, wg, 1e-5 / B, 1e-4, `${algo} grads B=${B}`);
        // Clip flags can differ only where the ratio sits on ±ε within f32 rounding.
        for (let i = 0; i < B; i++) if (Math.abs(Math.abs(wd[3 * i + 2] - 1) - 0.2) < 1e-5) { wd[3 * i + 1] = diag[3 * i + 1]; }
        expectClose(diag, wd, 1e-5, 1e-4, `${algo} diag B=${B}`);
        for (const x of loss) expect(Number.isFinite(x)).toBe(true);
        Object.values(b).forEach((x) => x.destroy());
      }
    }
  });
});

describe('value loss', () => {
  it('derivative agrees with f64 finite differences, clipped and unclipped', () => {
    const r = rng(23), h = 1e-7;
    for (let s = 0; s < 300; s++) {
      const v = (r() - 0.5) * 4, vOld = v + (r() - 0.5) * 1, ret = (r() - 0.5) * 4;
      for (const clip of [true, false]) {
        if (clip && Math.abs(Math.abs(v - vOld) - 0.2) < 1e-5) continue;
        const fd = (valueLossRef(v + h, vOld, ret, 0.2, clip)[0] - valueLossRef(v - h, vOld, ret, 0.2, clip)[0]) / (2 * h);
        expect(Math.abs(valueLossRef(v, vOld, ret, 0.2, clip)[1] - fd)).toBeLessThan(1e-5);
      }
    }
  });

  it('GPU matches the reference on 100 random sizes', async () => {
    const dev = await getDevice();
    const r = rng(24);
    for (let s = 0; s < 100; s++) {
      const B = s < 2 ? 1 : randInt(r, 1, 900), clip = s % 2 === 0;
      const v = randArray(r, B, -3, 3), vOld = Float32Array.from(v, (x) => x + (r() - 0.5)), ret = randArray(r, B, -3, 3);
      const b = { v: dev.upload('v', v), vOld: dev.upload('vo', vOld), returns: dev.upload('R', ret), loss: dev.buffer('l', B * 4), grad: dev.buffer('g', B * 4) };
      runDispatches(dev, 'value loss test', [valueLoss(dev, { B, eps: 0.2, clip, scale: 0.5 / B }, b)]);
      const l = await dev.readF32(b.loss, B), g = await dev.readF32(b.grad, B);
      const wl: number[] = [], wg: number[] = [];
      for (let i = 0; i < B; i++) { const [a, d] = valueLossRef(v[i], vOld[i], ret[i], 0.2, clip); wl.push(0.5 * a / B); wg.push(0.5 * d / B); }
      expectClose(l, wl, 1e-6, 1e-4, `value loss B=${B}`);
      expectClose(g, wg, 1e-6, 1e-4, `value grad B=${B}`);
      Object.values(b).forEach((x) => x.destroy());
    }
  });
});
