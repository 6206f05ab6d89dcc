// Shared by every GPU test: one device per test process (SwiftShader pipelines take
// 10-400 ms to compile, so pipelines are cached on it across files), seeded data, comparisons.
import { expect, onTestFinished } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNodeDevice } from '../src/gpu/node.js';
import type { WgrlDevice } from '../src/gpu/device.js';

let devicePromise: Promise<WgrlDevice> | null = null;
export function getDevice(): Promise<WgrlDevice> {
  devicePromise ??= createNodeDevice({ verbose: false });
  return devicePromise;
}

/** A fresh folder under the system's temporary directory, removed when the calling test ends. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A run directory's metrics.jsonl records without charts/SPS (wall-clock rate, the one field two identical runs differ in). */
export function metricsWithoutSps(runDir: string): Record<string, any>[] {
  return readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => { const x = JSON.parse(l); delete x['charts/SPS']; return x; });
}

/** mulberry32: a small seeded generator so every test's data is reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randArray(r: () => number, n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * r();
  return a;
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Asserts |got - want| <= atol + rtol*|want| elementwise, reporting the worst element. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = ''): void {
  expect(got.length, `${what} length`).toBe(want.length);
  let worst = -1, worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(err <= 0) && (worst < 0 || !(err <= worstErr))) { worst = i; worstErr = err; }
  }
  if (worst >= 0) {
    expect.fail(`${what}: element ${worst} is ${got[worst]}, want ${want[worst]} (atol ${atol}, rtol ${rtol})`);
  }
}
