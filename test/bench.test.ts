// The profile and the one-command GPU suite run on SwiftShader at their --quick sizes, and what
// they write adds up (each stage once, shares summing to 1, every figure a measured number).
import { describe, it, expect } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { scratchDir } from './helpers.js';

const bench = (cwd: string, args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'dist', 'bench', 'main.js'), ...args],
  { cwd, encoding: 'utf8', timeout: 300_000, env: { ...process.env, WGRL_ADAPTER: 'swiftshader' } });
const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);

describe('bench profile, bench gpu and bench agents', () => {
  it('profile: every dispatch of an iteration in exactly one stage, shares summing to 1, host time split', () => {
    const dir = scratchDir('wgrl-bench-');
    const r = bench(dir, ['profile', '--quick', '--preset', 'fast']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/GPU idle \(host time before the submit and after the wait\)/);
    const { result: p } = JSON.parse(readFileSync(join(dir, 'results', 'bench-profile.json'), 'utf8'));
    expect(p.preset).toBe('fast');
    expect(p.stages[0].stage).toBe('rollout');
    expect(p.stages.reduce((a: number, s: { dispatches: number }) => a + s.dispatches, 0)).toBe(p.dispatches_per_iteration);
    expect(p.stages.reduce((a: number, s: { share: number }) => a + s.share, 0)).toBeCloseTo(1, 6);
    for (const s of p.stages) expect(finite(s.ms) && s.ms >= 0, s.kernel).toBe(true);
    const matmuls = p.stages.filter((s: { mflop: number | null }) => s.mflop !== null);
    // Hidden-layer forward, dX and dW (batched over both nets), the output layers' dW per net.
    expect(matmuls.length).toBeGreaterThanOrEqual(5);
    for (const s of matmuls) expect(s.gflops).toBeGreaterThan(0);
    for (const k of ['prepareMs', 'submitMs', 'recordNextMs', 'waitMs', 'decodeMs']) expect(finite(p.host_ms[k]), k).toBe(true);
    expect(p.peaks.matmulGflops).toBeGreaterThan(0);
    expect(p.peaks.copyGBs).toBeGreaterThan(0);
    const bad = bench(dir, ['profile', '--preset', 'turbo']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown --preset 'turbo'; choose from cleanrl, fast/);
  }, 300_000);

  it('gpu --quick: peaks, the matmul table, the rollout sweep, two training configs and the profile, in one file named for the adapter', () => {
    const dir = scratchDir('wgrl-bench-');
    const r = bench(dir, ['gpu', '--quick']);
    expect(r.status, r.stderr).toBe(0);
    const file = readdirSync(join(dir, 'results')).find((f) => f.startsWith('bench-gpu-swiftshader'));
    expect(file).toBeDefined();
    const { result: g, adapter } = JSON.parse(readFileSync(join(dir, 'results', file!), 'utf8'));
    expect(adapter).toMatch(/SwiftShader/);
    expect(g.matmul.length).toBe(3);
    expect(g.rollout.map((x: { N: number }) => x.N)).toEqual([1, 256, 4096]);
    for (const x of g.rollout) expect(x['env-steps/s']).toBeGreaterThan(0);
    expect(g.train.length).toBe(2);
    for (const t of g.train) expect(t.sps).toBeGreaterThan(0);
    expect(g.profile.stages.length).toBeGreaterThan(5);
    expect(g.agents.map((x: { agents: number }) => x.agents)).toEqual([1, 4]);
    for (const x of g.agents) expect(finite(x.wall_s) && finite(x.vs_one_agent)).toBe(true);
  }, 300_000);

  it('agents: K in one pass against K sequential runs with the same results, and the rollout at K × N', () => {
    const dir = scratchDir('wgrl-bench-');
    const r = bench(dir, ['agents', '--quick', '--steps', '1024', '--agents', '1,3']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/K agents in one pass against K single-agent runs/);
    const { result: a } = JSON.parse(readFileSync(join(dir, 'results', 'bench-agents.json'), 'utf8'));
    expect(a.training.map((x: { agents: number }) => x.agents)).toEqual([1, 3]);
    for (const x of a.training) {
      expect(finite(x.one_pass_s) && finite(x.sequential_s)).toBe(true);
      // One pass trains what the single runs train.
      expect(x.same_results).toBe(true);
    }
    expect(a.rollout.length).toBe(5);
    for (const x of a.rollout) expect(x.env_steps_per_s).toBeGreaterThan(0);
    const bad = bench(dir, ['agents', '--agents', '0']);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--agents expects positive integers, got '0'/);
  }, 300_000);
});
