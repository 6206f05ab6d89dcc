// Conjugate gradient on the GPU (shaders/cg.wgsl) against the f64 iteration and an exact solve,
// with A·p from a matmul dispatch between steps, all in one pass.
import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, expectClose } from './helpers.js';
import { cgInit, cgStep, CG_STATE } from '../src/kernels/cg.js';
import { matmul } from '../src/kernels/matmul.js';
import { runDispatches } from '../src/gpu/kernel.js';
import { conjugateGradientRef } from '../src/reference/cg.js';

/** A = QᵀQ/n + 0.1·I: symmetric positive definite, condition number bounded. */
function spd(r: () => number, n: number): Float64Array {
  const q = randArray(r, n * n), a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += q[k * n + i] * q[k * n + j];
    a[i * n + j] = s / n + (i === j ? 0.1 : 0);
  }
  return a;
}
const apply = (a: Float64Array, n: number) => (v: Float64Array) => Float64Array.from({ length: n }, (_, i) => { let s = 0; for (let j = 0; j < n; j++) s += a[i * n + j] * v[j]; return s; });

describe('conjugate gradient', () => {
  it('the f64 iteration solves (A + λI)x = b in n steps', () => {
    const r = rng(41);
    for (const n of [1, 2, 9]) {
      const a = spd(r, n), b = randArray(r, n), damping = 0.05;
      const { x } = conjugateGradientRef(apply(a, n), b, n, damping, 0);
      const back = apply(a, n)(x).map((v, i) => v + damping * x[i]);
      expectClose(back, b, 1e-9, 1e-9, `n=${n}`);
    }
  });

  it('GPU matches the f64 iteration step for step on random sizes (n = 1, off 256, above 256) and stops at the tolerance', async () => {
    const dev = await getDevice();
    const r = rng(42);
    for (const [n, steps, damping] of [[1, 3, 0.1], [7, 4, 0], [33, 10, 0.1], [300, 15, 0.1]] as const) {
      const a = spd(r, n), b = randArray(r, n);
      const bufs = { x: dev.buffer('x', n * 4), r: dev.buffer('r', n * 4), p: dev.buffer('p', n * 4), ap: dev.upload('ap', b), state: dev.buffer('state', CG_STATE.size * 4) };
      const A = dev.upload('A', Float32Array.from(a));
      const product = matmul(dev, { M: n, K: n, N: 1 }, { a: A, b: bufs.p, c: bufs.ap });
      const step = cgStep(dev, { n, damping }, bufs);
      runDispatches(dev, 'cg test', [cgInit(dev, { n, damping }, bufs), ...Array.from({ length: steps }, () => [product, step]).flat()]);
      const want = conjugateGradientRef(apply(a, n), b, steps, damping);
      const got = await dev.readF32(bufs.x, n);
      const scale = Math.max(...want.x.map(Math.abs));
      expectClose(got, want.x, 2e-4 * scale, 2e-3, `n=${n} after ${steps} steps`);
      const state = CG_STATE.decode(await dev.readF32(bufs.state, CG_STATE.length));
      expect(state.iterations, `n=${n} iterations`).toBe(want.iterations);
      // n = 1 converges in one step: the later steps must leave x alone.
      if (n === 1) expect(state.done).toBe(1);
      [...Object.values(bufs), A].forEach((x) => x.destroy());
    }
  });

  it('a negative damping is refused before any GPU work', async () => {
    const dev = await getDevice();
    const b = dev.buffer('b', 16);
    expect(() => cgStep(dev, { n: 4, damping: -0.1 }, { x: b, r: b, p: b, ap: b, state: b })).toThrow(/damping must be >= 0/);
  });
});
