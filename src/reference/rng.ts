// Reference Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
const M0 = 0xd2511f53n, M1 = 0xcd9e8d57n, W0 = 0x9e3779b9, W1 = 0xbb67ae85;

export function philox4x32_10(counter: [number, number, number, number], key: [number, number]): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter.map((x) => x >>> 0);
  let [k0, k1] = key.map((x) => x >>> 0);
  for (let r = 0; r < 10; r++) {
    if (r > 0) { k0 = (k0 + W0) >>> 0; k1 = (k1 + W1) >>> 0; }
    const p0 = M0 * BigInt(c0), p1 = M1 * BigInt(c2);
    const hi0 = Number(p0 >> 32n), lo0 = Number(p0 & 0xffffffffn);
    const hi1 = Number(p1 >> 32n), lo1 = Number(p1 & 0xffffffffn);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

export function rand4Ref(seed: number, stream: number, counter: number, purpose: number) {
  return philox4x32_10([counter, purpose, 0, 0], [seed, stream]);
}

/** Same mapping as the shader's u01: 24 bits, centred, in (0, 1). */
export function u01Ref(x: number): number {
  return ((x >>> 8) + 0.5) / 16777216;
}
