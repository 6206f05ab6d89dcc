// The package as others get it: npm pack, install the tarball into an empty folder, import 'wgrl',
// type-check a TypeScript consumer against the shipped .d.ts, and run the README's example.
import { describe, it, expect } from 'vitest';
import { writeFileSync, readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { scratchDir } from './helpers.js';

const root = process.cwd();
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, stdio: 'pipe', encoding: 'utf8' });
const install = (cwd: string, ...specs: string[]) => npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], cwd);
const node = (cwd: string, file: string) => spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', env: { ...process.env, WGRL_ADAPTER: process.env.WGRL_ADAPTER ?? 'auto' } });

/** The code of the README's fenced block that follows `heading`. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  expect(at, `README section ${heading}`).toBeGreaterThan(-1);
  return /```(?:js|ts)\n([\s\S]*?)```/.exec(readme.slice(at))![1];
}

describe('npm package', () => {
  it('ships what users run and nothing else: no demo, benchmark bundle or source maps; LICENSE and examples in', () => {
    const files: string[] = JSON.parse(npm(['pack', '--dry-run', '--json', '--ignore-scripts'], root))[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('LICENSE');
    expect(files).toContain('examples/corridor.wgsl');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/browser/wgrl.js');
    expect(files.filter((f) => f.startsWith('dist/demo/') || f.startsWith('dist/bench/') || f.endsWith('.map'))).toEqual([]);
    // No shipped JavaScript points at a source map.
    for (const f of files.filter((p) => p.endsWith('.js'))) expect(readFileSync(join(root, f), 'utf8'), f).not.toContain('sourceMappingURL');
    expect(rootPkg.keywords.length).toBeGreaterThan(3);
    expect(rootPkg.dependencies).toEqual({ '@webgpu/types': expect.any(String) });
    expect(rootPkg.peerDependenciesMeta.webgpu.optional).toBe(true);
  });

  it('installs from its tarball; without Dawn it says to install it; with it a kernel, a training, the README example and a TS consumer work', () => {
    const packDir = scratchDir('wgrl-pack-');
    // dist/ is fresh: the test command builds before running the tests.
    npm(['pack', '--ignore-scripts', '--pack-destination', packDir], root);
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!);
    const app = scratchDir('wgrl-app-');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
    install(app, tarball);
    expect(existsSync(join(app, 'node_modules/wgrl/shaders/matmul.wgsl'))).toBe(true);
    expect(existsSync(join(app, 'node_modules/@webgpu/types'))).toBe(true);
    // Browser users need no Dawn: it is an optional peer dependency, and Node code asks for it by name.
    expect(existsSync(join(app, 'node_modules/webgpu'))).toBe(false);
    writeFileSync(join(app, 'nodawn.js'), `import { createNodeDevice } from 'wgrl';\nawait createNodeDevice({ verbose: false });\n`);
    const noDawn = node(app, 'nodawn.js');
    expect(noDawn.status).not.toBe(0);
    expect(noDawn.stderr).toMatch(/needs Dawn's bindings, the 'webgpu' package, which is not installed: run npm install webgpu/);

    install(app, `webgpu@${rootPkg.peerDependencies.webgpu}`, `@types/node@${rootPkg.devDependencies['@types/node']}`, `typescript@${rootPkg.devDependencies.typescript}`);
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
    const run = node(app, 'main.js');
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(r.product).toEqual([19, 22, 43, 50]);
    expect(r.ref).toEqual([19, 22, 43, 50]);
    expect(r.steps).toBe(768);
    expect(r.kl).toBeGreaterThan(0);
    expect(r.hasWgsl).toBe(true);

    // The README's custom-environment example, verbatim, from the installed package.
    writeFileSync(join(app, 'readme_env.js'), readmeBlock('### A custom environment in WGSL'));
    const ex = node(app, 'readme_env.js');
    expect(ex.status, ex.stderr).toBe(0);
    expect(ex.stdout).toMatch(/Corridor-v0: mean return -?\d/);

    // The shipped types, checked in full (skipLibCheck off): GPU types resolve, and a type error is caught.
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] }, files: ['good.ts', 'bad.ts'] }));
    writeFileSync(join(app, 'good.ts'), `
      import { createNodeDevice, Trainer, type WgrlDevice, type IterationMetrics } from 'wgrl';
      const dev: WgrlDevice = await createNodeDevice();
      const buffer: GPUBuffer = dev.buffer('x', 16);
      const trainer = new Trainer(dev, { env: 'CartPole-v1', algo: 'ppo' });
      const m: IterationMetrics = await trainer.iterate();
      export const out: [GPUBuffer, number] = [buffer, m.global_step];
    `);
    writeFileSync(join(app, 'bad.ts'), `
      import { createNodeDevice } from 'wgrl';
      const dev = await createNodeDevice();
      export const wrong: number = dev.buffer('x', 16);
    `);
    const tsc = spawnSync(process.execPath, [join(app, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
    const errors = tsc.stdout.split('\n').filter((l) => /error TS/.test(l));
    // Exactly the one line that must fail: GPUBuffer is not a number (were GPU types `any`, it would pass).
    expect(errors.length, tsc.stdout).toBe(1);
    expect(errors[0]).toMatch(/^bad\.ts\(4,\d+\): error TS2322: Type 'GPUBuffer' is not assignable to type 'number'/);
  }, 300_000);
});
