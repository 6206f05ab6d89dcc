import { describe, it, expect } from 'vitest';
import { getDevice, rng, randArray, randInt, expectClose } from './helpers.js';
import { matmul, MATMUL_VARIANTS, type Activation, type MatmulSpec } from '../src/kernels/matmul.js';
import { matmulRef, type MatmulStrides } from '../src/reference/matmul.js';
import { runDispatches } from '../src/gpu/kernel.js';

const acts: Activation[] = ['none', 'tanh', 'relu'];

async function check(spec: MatmulSpec, seed: number, strides: MatmulStrides = {}): Promise<void> {
  const dev = await getDevice();
  const r = rng(seed);
  const batch = spec.batch ?? 1;
  const { M, N, K } = spec;
  const rowsA = spec.onesRow ? M - 1 : M;
  const st = { a: rowsA * K, b: K * N, c: M * N, bias: N, gate: M * N, ...strides };
  const extent = (stride: number, one: number) => (batch - 1) * stride + one;
  const a = randArray(r, extent(st.a, rowsA * K)), b = randArray(r, extent(st.b, K * N));
  const bias = randArray(r, extent(st.bias, N));
  const gate = randArray(r, extent(st.gate, M * N), spec.gate === 'relu' ? -1 : -0.99, 0.99);
  const cIn = randArray(r, extent(st.c, M * N));
  const bufs = {
    a: dev.upload('a', a), b: dev.upload('b', b), c: dev.upload('c', cIn),
    bias: spec.bias ? dev.upload('bias', bias) : undefined, gate: spec.gate ? dev.upload('gate', gate) : undefined,
  };
  runDispatches(dev, 'matmul test', [matmul(dev, spec, { ...bufs, strides })]);
  const got = await dev.readF32(bufs.c, cIn.length);
  const want = matmulRef(spec, a, b, spec.bias ? bias : undefined, gate, cIn, strides);
  // f32 accumulation over K terms of magnitude <= 1.
  expectClose(got, want, 1e-5 * Math.sqrt(K) * 4, 1e-5, `${JSON.stringify(spec)} strides ${JSON.stringify(strides)}`);
  for (const x of Object.values(bufs)) x?.destroy();
}

describe('matmul against the f64 reference', () => {
  for (const variant of MATMUL_VARIANTS) {
    it(`${variant}: 40 random shapes with every option`, async () => {
      const r = rng(variant.length * 7919);
      for (let i = 0; i < 40; i++) {
        const small = i < 8;
        const spec: MatmulSpec = {
          M: small ? randInt(r, 1, 3) : randInt(r, 1, variant === 'tiled' ? 70 : 150), N: small ? (variant === 'regblock_vec4' ? 4 : 1) : randInt(r, 1, 70), K: randInt(r, 1, 90),
          batch: randInt(r, 1, 3), transA: r() < 0.3, transB: r() < 0.3, bias: r() < 0.5,
          act: acts[randInt(r, 0, 2)], gate: r() < 0.3 ? acts[randInt(r, 1, 2)] : undefined, accum: r() < 0.2, variant,
        };
        // A weight gradient with its bias row (the trainer's dW): M >= 2.
        if (r() < 0.3) { spec.onesRow = true; spec.M = Math.max(spec.M, 2); }
        // The vec4 kernel needs N % 4 == 0 and an untransposed B (otherwise the wrapper falls back).
        if (variant === 'regblock_vec4') { spec.N = 4 * Math.ceil(spec.N / 4); spec.transB = false; }
        // Barrier-heavy on SwiftShader: keep the tiled kernel's depth modest so the suite stays fast.
        if (variant === 'tiled') spec.K = Math.min(spec.K, 40);
        // Batch items apart by custom strides (0: shared operand; gaps in C must stay untouched).
        const strides: MatmulStrides = {};
        if ((spec.batch ?? 1) > 1 && r() < 0.4) {
          const gap = () => 4 * randInt(r, 0, 3);
          const rowsA = spec.onesRow ? spec.M - 1 : spec.M;
          Object.assign(strides, { a: r() < 0.3 ? 0 : rowsA * spec.K + gap(), b: spec.K * spec.N + gap(), c: spec.M * spec.N + gap(), bias: r() < 0.3 ? 0 : spec.N + gap(), gate: spec.M * spec.N + gap() });
        }
        await check(spec, 1000 + i, strides);
      }
    });
  }
  it('size-1 and tile-edge shapes for every variant', async () => {
    const shapes = [[1, 1, 1], [1, 64, 64], [64, 1, 64], [65, 65, 17], [63, 4, 64], [128, 2, 1], [4, 4, 4], [5, 3, 200], [7, 8, 3], [9, 12, 1]];
    for (const variant of MATMUL_VARIANTS) for (const [M, N, K] of shapes) await check({ M, N, K, bias: true, act: 'tanh', variant }, M * 31 + N);
  });
  it('rejects overlapping batch items and negative strides', async () => {
    const dev = await getDevice();
    const a = dev.buffer('a', 64 * 4), b = dev.buffer('b', 64 * 4), c = dev.buffer('c', 64 * 4);
    expect(() => matmul(dev, { M: 2, N: 2, K: 2, batch: 2 }, { a, b, c, strides: { c: 3 } })).toThrow(/stride of 'c' \(3\) is smaller than one \[2, 2\] result/);
    expect(() => matmul(dev, { M: 2, N: 2, K: 2, batch: 2 }, { a, b, c, strides: { a: -4 } })).toThrow(/batch stride of 'a' must be a non-negative integer/);
    expect(() => matmul(dev, { M: 2, N: 2, K: 2, batch: 2 }, { a, b, c, strides: { c: 64 } })).toThrow(/buffer 'c'/);
  });
  it('weight gradient with the bias row (onesRow) at block edges for every variant', async () => {
    // M - 1 stored rows: the ones row falls in each of the four rows of a 4×4 block, and past a 64 tile.
    const shapes = [[2, 1, 1], [2, 4, 7], [3, 8, 5], [4, 5, 9], [5, 64, 128], [65, 64, 33], [66, 2, 128], [17, 1, 1]];
    for (const variant of MATMUL_VARIANTS) {
      for (const [M, N, K] of shapes) {
        if (variant === 'regblock_vec4' && N % 4 !== 0) continue;
        await check({ M, N, K, transA: true, onesRow: true, variant }, M * 17 + N);
        await check({ M, N, K, onesRow: true, accum: true, variant }, M * 19 + N);
      }
    }
  });
});
