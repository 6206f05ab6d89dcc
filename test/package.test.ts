// The package as others get it: npm pack, install the tarball into an empty folder, import 'wgrl'.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

describe('npm package', () => {
  it('installs from its tarball and runs a kernel and a short training through `import from "wgrl"`', () => {
    const root = process.cwd();
    const packDir = mkdtempSync(join(tmpdir(), 'wgrl-pack-'));
    // dist/ is fresh: the test command builds before running the tests.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], { cwd: root, stdio: 'pipe' });
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    const app = mkdtempSync(join(tmpdir(), 'wgrl-app-'));
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], { cwd: app, stdio: 'pipe' });
    expect(existsSync(join(app, 'node_modules/wgrl/shaders/matmul.wgsl'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/wgrl/dist/index.d.ts'))).toBe(true);
    writeFileSync(join(app, 'main.js'), `
      import { createNodeDevice, matmul, runDispatches, Trainer, wgslSources, reference } from 'wgrl';
      const dev = await createNodeDevice({ verbose: false });
      const a = dev.upload('a', new Float32Array([1, 2, 3, 4])), b = dev.upload('b', new Float32Array([5, 6, 7, 8]));
      const c = dev.buffer('c', 16);
      runDispatches(dev, 'consumer matmul', [matmul(dev, { M: 2, N: 2, K: 2 }, { a, b, c })]);
      const product = Array.from(await dev.readF32(c, 4));
      const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'spo', numEnvs: 8, numSteps: 32, totalTimesteps: 256 * 3 });
      let last;
      while (!trainer.done) last = await trainer.iterate();
      console.log(JSON.stringify({ product, ref: Array.from(reference.matmulRef({ M: 2, N: 2, K: 2 }, [1, 2, 3, 4], [5, 6, 7, 8])),
        steps: last.global_step, kl: last['charts/average_kld'], hasWgsl: typeof wgslSources.matmul === 'string' }));
      dev.destroy();
    `);
    const out = execFileSync(process.execPath, ['main.js'], { cwd: app, encoding: 'utf8', env: { ...process.env, WGRL_ADAPTER: process.env.WGRL_ADAPTER ?? 'auto' } });
    const r = JSON.parse(out.trim().split('\n').pop()!);
    expect(r.product).toEqual([19, 22, 43, 50]);
    expect(r.ref).toEqual([19, 22, 43, 50]);
    expect(r.steps).toBe(768);
    expect(r.kl).toBeGreaterThan(0);
    expect(r.hasWgsl).toBe(true);
  });
});
