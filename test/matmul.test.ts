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

describe('subgroup matmul (subgroups of 4 lanes: SwiftShader)', () => {
  // The trainer's products on a CleanRL minibatch: hidden-layer forward, weight gradient with
  // the bias row, input gradient gated by tanh; and shapes cut across its 32 × 16 tiles.
  const shapes: MatmulSpec[] = [
    { M: 128, K: 64, N: 64, bias: true, act: 'tanh', batch: 2 },
    { M: 65, K: 128, N: 64, transA: true, onesRow: true, batch: 2 },
    { M: 128, K: 64, N: 64, transB: true, gate: 'tanh', batch: 2 },
    { M: 33, K: 7, N: 17, bias: true, act: 'relu', accum: true },
    { M: 97, K: 1, N: 31, transA: true, onesRow: true, accum: true },
    { M: 1, K: 5, N: 1 },
  ];
  it('runs where the device has 4-lane subgroups and gives exactly the register-blocked kernel\'s results', async () => {
    const dev = await getDevice();
    if (dev.subgroupSize !== 4) return; // hardware adapters: the variant falls back (next test)
    const r = rng(77);
    for (const spec of shapes) {
      const rowsA = spec.onesRow ? spec.M - 1 : spec.M, batch = spec.batch ?? 1;
      const a = dev.upload('a', randArray(r, batch * rowsA * spec.K)), b = dev.upload('b', randArray(r, batch * spec.K * spec.N));
      const bias = dev.upload('bias', randArray(r, batch * spec.N)), gate = dev.upload('gate', randArray(r, batch * spec.M * spec.N, -0.99, 0.99));
      const c0 = randArray(r, batch * spec.M * spec.N);
      const out: Float32Array[] = [];
      for (const variant of ['subgroup', 'regblock8'] as const) {
        const c = dev.upload('c', c0);
        const d = matmul(dev, { ...spec, variant }, { a, b, c, bias: spec.bias ? bias : undefined, gate: spec.gate ? gate : undefined });
        expect(d.kernel.label).toBe(`matmul.matmul_${variant}`);
        runDispatches(dev, 'subgroup test', [d]);
        out.push(await dev.readF32(c, c0.length));
      }
      expect(Array.from(out[0]), JSON.stringify(spec)).toEqual(Array.from(out[1]));
    }
  });
  it('falls back to the 8×8 kernel on a device without 4-lane subgroups, and the auto choice follows the adapter', async () => {
    const dev = await getDevice();
    const saved = dev.subgroupSize;
    const a = dev.buffer('a', 128 * 64 * 4), b = dev.buffer('b', 128 * 64 * 4), c = dev.buffer('c', 128 * 64 * 4);
    try {
      dev.subgroupSize = 32;
      expect(matmul(dev, { M: 128, K: 64, N: 64, variant: 'subgroup' }, { a, b, c }).kernel.label).toBe('matmul.matmul_regblock8');
      if (dev.adapter.isSoftware) expect(matmul(dev, { M: 128, K: 64, N: 64 }, { a, b, c }).kernel.label).toBe('matmul.matmul_regblock8');
      dev.subgroupSize = 4;
      // Software adapters with 4-lane subgroups: the subgroup kernel from 32 stored rows of A.
      if (dev.adapter.isSoftware) {
        expect(matmul(dev, { M: 128, K: 64, N: 64 }, { a, b, c }).kernel.label).toBe('matmul.matmul_subgroup');
        expect(matmul(dev, { M: 5, K: 128, N: 64, transA: true, onesRow: true }, { a, b, c }).kernel.label).not.toBe('matmul.matmul_subgroup');
      }
    } finally {
      dev.subgroupSize = saved;
    }
  });
});
