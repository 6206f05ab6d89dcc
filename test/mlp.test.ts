// MLP forward and backward (src/nn/mlp.ts: matmuls with fused bias/activation, gated dX, dW with
// the bias row) against the f64 reference, whose gradient is checked by finite differences.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { mlpBackward, mlpForward, mlpLayout, type MlpLayout } from '../src/nn/mlp.js';
import { mlpBackwardRef, mlpForwardRef } from '../src/reference/mlp.js';
import { runDispatches } from '../src/gpu/kernel.js';
import type { Activation } from '../src/kernels/matmul.js';

function weightIndices(layout: MlpLayout): number[] {
  const idx: number[] = [];
  for (let l = 0; l + 1 < layout.dims.length; l++) {
    const nin = layout.dims[l], nout = layout.dims[l + 1];
    for (let k = 0; k < nin * nout; k++) idx.push(layout.w[l] + k);
    for (let k = 0; k < nout; k++) idx.push(layout.b[l] + k);
  }
  return idx;
}

describe('MLP forward and backward', () => {
  it('the f64 reference gradient agrees with finite differences', () => {
    const r = rng(5);
    for (const [dims, act] of [[[3, 5, 2], 'tanh'], [[4, 6, 7, 1], 'tanh'], [[2, 3, 3], 'relu']] as [number[], Activation][]) {
      const layout = mlpLayout(dims, 0), B = 3;
      const params = Float64Array.from(randArray(r, layout.size));
      const x = randArray(r, B * dims[0]), dOut = randArray(r, B * dims[dims.length - 1]);
      const loss = (p: Float64Array) => { const out = mlpForwardRef(layout, p, x, B, act).at(-1)!; return out.reduce((s, v, i) => s + v * dOut[i], 0); };
      const g = mlpBackwardRef(layout, params, mlpForwardRef(layout, params, x, B, act), dOut, B, act, layout.size);
      for (const i of weightIndices(layout)) {
        const h = 1e-6, p1 = params.slice(), p2 = params.slice();
        p1[i] += h; p2[i] -= h;
        const fd = (loss(p1) - loss(p2)) / (2 * h);
        expect(Math.abs(fd - g[i]), `${dims} param ${i}: fd ${fd} analytic ${g[i]}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(fd));
      }
    }
  });

  it('GPU forward and gradients equal the f64 reference over random depths, widths and batch sizes', async () => {
    const dev = await getDevice();
    const r = rng(77);
    const cases: [number[], number][] = [[[1, 1], 1], [[4, 64, 64, 2], 128], [[3, 64, 64, 1], 65], [[5, 7, 3], 9]];
    for (let i = 0; i < 10; i++) {
      const depth = randInt(r, 1, 4);
      cases.push([[randInt(r, 1, 12), ...Array.from({ length: depth - 1 }, () => randInt(r, 1, 70)), randInt(r, 1, 6)], randInt(r, 1, 150)]);
    }
    for (const [dims, B] of cases) {
      const act: Activation = r() < 0.7 ? 'tanh' : 'relu';
      const offset = randInt(r, 0, 5);
      const layout = mlpLayout(dims, offset);
      const P = offset + layout.size + 4;
      const params = randArray(r, P, -0.5, 0.5);
      const x = randArray(r, B * dims[0]), dOut = randArray(r, B * dims[dims.length - 1]);
      const L = dims.length - 1;
      const acts = dims.slice(1).map((d, l) => dev.buffer(`act ${l}`, B * d * 4));
      const hmax = Math.max(...dims);
      const dH: [GPUBuffer, GPUBuffer] = [dev.buffer('dH a', B * hmax * 4), dev.buffer('dH b', B * hmax * 4)];
      const pBuf = dev.upload('params', params), gBuf = dev.upload('grads', new Float32Array(P).fill(NaN));
      const xBuf = dev.upload('x', x), dBuf = dev.upload('dOut', dOut);
      runDispatches(dev, 'mlp test', [
        ...mlpForward(dev, layout, B, act, { buffer: xBuf, offset: 0 }, pBuf, acts, 'test'),
        ...mlpBackward(dev, layout, B, act, { buffer: xBuf, offset: 0 }, acts, { buffer: dBuf, offset: 0 }, pBuf, gBuf, dH, 'test'),
      ]);
      const want = mlpForwardRef(layout, params, x, B, act);
      const gotOut = await dev.readF32(acts[L - 1], B * dims[L]);
      const what = `dims [${dims}] B ${B} ${act} offset ${offset}`;
      expectClose(gotOut, want[L], 1e-5 * Math.sqrt(hmax) * 4, 1e-5, `${what} output`);
      const gWant = mlpBackwardRef(layout, params, want, dOut, B, act, P);
      const gGot = await dev.readF32(gBuf, P);
      const idx = weightIndices(layout);
      expectClose(idx.map((k) => gGot[k]), idx.map((k) => gWant[k]), 1e-5 * Math.sqrt(B * hmax) * 8, 1e-4, `${what} gradients`);
      for (const b of [...acts, ...dH, pBuf, gBuf, xBuf, dBuf]) b.destroy();
    }
  });
});
