// Timing helpers every benchmark suite shares: medians (the machines are shared and noisy),
// a dispatch list timed in one pass, the cost of an empty submit, a plain-text table.
import { GpuTimer, type WgrlDevice } from '../src/gpu/device.js';
import type { Dispatch } from '../src/gpu/kernel.js';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export interface Timed { wallMs: number; gpuMs: number | null }

/**
 * Median ms of one run of `dispatches` over 5 timed passes (after a warm-up) that encode them
 * `reps` times: wall time around submit and queue sync, less `emptyMs`, and the pass's GPU time
 * from timestamp queries where the adapter has them (null where not). On SwiftShader the
 * timestamps also count time its threads are descheduled, so comparisons use the wall time.
 */
export async function timeGroup(dev: WgrlDevice, label: string, dispatches: Dispatch[], reps: number, timer: GpuTimer | null, emptyMs: number): Promise<Timed> {
  const wall: number[] = [], gpu: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    dev.submit(label, (pass) => { for (let r = 0; r < reps; r++) for (const d of dispatches) d.encode(pass); }, timer ?? undefined);
    await dev.sync();
    if (i === 0) continue; // warm-up
    wall.push(performance.now() - t0);
    if (timer) gpu.push((await timer.elapsedNs()) / 1e6);
  }
  return { wallMs: Math.max(0, median(wall) - emptyMs) / reps, gpuMs: timer ? median(gpu) / reps : null };
}

export async function emptySubmitMs(dev: WgrlDevice): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < 8; i++) { const t0 = performance.now(); dev.submit('empty', () => {}); await dev.sync(); t.push(performance.now() - t0); }
  return median(t.slice(1));
}

export function table(rows: Record<string, string | number>[]): void {
  const cols = Object.keys(rows[0]);
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  console.log(cols.map((c, i) => c.padEnd(w[i])).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => String(r[c]).padEnd(w[i])).join('  '));
}
