// MLP forward and backward (src/nn/mlp.ts: matmuls with fused bias/activation, gated dX, dW with
// the bias row) against the f64 reference, whose gradient is checked by finite differences.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { mlpBackward, mlpBackwardNets, mlpForward, mlpForwardNets, mlpLayout, type MlpBackwardSlots, type MlpLayout } from '../src/nn/mlp.js';
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

  it('two nets in shared buffers (actor and critic) batch their same-shaped layers and equal the reference', async () => {
    const dev = await getDevice();
    const r = rng(91);
    // [actor dims, critic dims, B, dispatches]: same-shaped layers pair up (forward, dW, dX); a
    // W·b whose size is not a multiple of 4 takes a separate bias-gradient dispatch.
    const cases: [number[], number[], number, number][] = [
      [[4, 64, 64, 2], [4, 64, 64, 1], 128, 11], [[3, 8, 1], [3, 8, 1], 5, 6], [[5, 6, 7, 3], [5, 9, 1], 33, 18], [[2, 1], [2, 4, 4, 1], 7, 11],
    ];
    for (const [da, dc, B, expected] of cases) {
      const act: Activation = 'tanh';
      const la = mlpLayout(da, 0), lc = mlpLayout(dc, la.size);
      const P = la.size + lc.size;
      const params = randArray(r, P, -0.5, 0.5);
      const x = randArray(r, B * da[0]);
      const dOut = randArray(r, B * (da.at(-1)! + dc.at(-1)!));
      const La = da.length - 1, Lc = dc.length - 1;
      const width = (dims: number[], l: number) => (l + 2 < dims.length ? dims[l + 1] : 0);
      const hidden = Array.from({ length: Math.max(La, Lc) - 1 }, (_, l) => dev.buffer(`hidden ${l}`, Math.max(4, B * (width(da, l) + width(dc, l)) * 4)));
      const heads = [dev.buffer('actor head', B * da.at(-1)! * 4), dev.buffer('critic head', B * dc.at(-1)! * 4)];
      const hmax = Math.max(...da, ...dc);
      const dH = [dev.buffer('dH a', 2 * B * hmax * 4), dev.buffer('dH b', 2 * B * hmax * 4)];
      const pBuf = dev.upload('params', params), gBuf = dev.upload('grads', new Float32Array(P).fill(NaN));
      const xBuf = dev.upload('x', x), dBuf = dev.upload('dOut', dOut);
      const nets: MlpBackwardSlots[] = [
        { layout: la, label: 'actor', acts: [...hidden.slice(0, La - 1).map((buffer) => ({ buffer, offset: 0 })), { buffer: heads[0], offset: 0 }],
          dOut: { buffer: dBuf, offset: 0 }, dH: [{ buffer: dH[0], offset: 0 }, { buffer: dH[1], offset: 0 }] },
        { layout: lc, label: 'critic', acts: [...hidden.slice(0, Lc - 1).map((buffer, l) => ({ buffer, offset: B * width(da, l) })), { buffer: heads[1], offset: 0 }],
          dOut: { buffer: dBuf, offset: B * da.at(-1)! }, dH: [{ buffer: dH[0], offset: B * hmax }, { buffer: dH[1], offset: B * hmax }] },
      ];
      const input = { buffer: xBuf, offset: 0 };
      const dispatches = [...mlpForwardNets(dev, nets, B, act, input, pBuf), ...mlpBackwardNets(dev, nets, B, act, input, pBuf, gBuf)];
      const what = `actor [${da}] critic [${dc}] B ${B}`;
      expect(dispatches.length, `${what}: dispatches ${dispatches.map((d) => d.label).join(', ')}`).toBe(expected);
      runDispatches(dev, 'mlp pair test', dispatches);
      const gGot = await dev.readF32(gBuf, P);
      for (const [i, [layout, dims]] of ([[la, da], [lc, dc]] as [MlpLayout, number[]][]).entries()) {
        const want = mlpForwardRef(layout, params, x, B, act);
        expectClose(await dev.readF32(heads[i], B * dims.at(-1)!), want.at(-1)!, 1e-4, 1e-5, `${what} net ${i} output`);
        const dO = dOut.subarray(i === 0 ? 0 : B * da.at(-1)!, i === 0 ? B * da.at(-1)! : undefined);
        const gWant = mlpBackwardRef(layout, params, want, dO, B, act, P);
        const idx = weightIndices(layout);
        expectClose(idx.map((k) => gGot[k]), idx.map((k) => gWant[k]), 1e-5 * Math.sqrt(B * hmax) * 8, 1e-4, `${what} net ${i} gradients`);
      }
      for (const b of [...hidden, ...heads, ...dH, pBuf, gBuf, xBuf, dBuf]) b.destroy();
    }
  });
});
