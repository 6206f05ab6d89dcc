// The engine knows no algorithm by name; each module declares what the engine reads.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALGORITHMS, ALGOS } from '../src/algos/registry.js';
import { DISCRETE_DEFAULTS, FIELDS, makeConfig, ConfigError } from '../src/train/config.js';
import { sharedStruct } from '../src/gpu/structs.js';

const root = join(import.meta.dirname, '..');

describe('training engine and algorithm modules', () => {
  it('no file of the engine, the composition or the shared train shader names an algorithm', () => {
    // config.ts names the default algorithm (CleanRL's: ppo) and nothing else.
    const files = [...readdirSync(join(root, 'src/train')).filter((f) => f !== 'config.ts').map((f) => join('src/train', f)), 'src/gpu/compose.ts', 'shaders/train.wgsl'];
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(join(root, f), 'utf8');
      for (const name of ALGOS) expect(text.includes(`'${name}'`) || text.includes(`"${name}"`), `${f} names '${name}'`).toBe(false);
    }
  });

  it('every module declares its fields, objective and plan, and its fields reach the config and the CLI', () => {
    for (const [name, a] of Object.entries(ALGORITHMS)) {
      expect(a.name).toBe(name);
      expect(readFileSync(join(root, 'shaders', `${a.objective.wgsl}.wgsl`), 'utf8')).toMatch(/fn objective\(/);
      for (const [k, f] of Object.entries(a.fields)) {
        expect(FIELDS[k as keyof typeof FIELDS], `${name}.${k} kind`).toBe(f.kind);
        expect(DISCRETE_DEFAULTS[k as keyof typeof DISCRETE_DEFAULTS], `${name}.${k} default`).toBe(f.default);
      }
      const c = makeConfig({ algo: name as never }, false);
      for (const [k, v] of Object.entries(a.defaults ?? {})) expect(c[k as keyof typeof c], `${name} default ${k}`).toEqual(v);
    }
  });

  it("an algorithm's own fields are checked by it, and refused for other algorithms", () => {
    expect(() => makeConfig({ algo: 'spo-kl', spoKlMax: 0 }, false)).toThrow(ConfigError);
    expect(() => makeConfig({ algo: 'spo-kl', spoKlMax: 0 }, false)).toThrow(/--spo-kl-max = 0: must be > 0 for spo-kl/);
    expect(() => makeConfig({ algo: 'ppo', spoKlMax: 0 }, false)).toThrow(/--spo-kl-max applies to spo-kl only, not to --algo ppo/);
    expect(() => makeConfig({ algo: 'ppo-kl', klTarget: -1 }, false)).toThrow(/--kl-target = -1: must be >= 0/);
    expect(() => makeConfig({ algo: 'trpo-x' as never }, false)).toThrow(/unknown algorithm \(did you mean 'trpo'\?\); choose one of ppo, ppo-kl, spo, spo-kl, a2c, trpo/);
  });

  it('shared records: WGSL declarations and TS packing come from one declaration, by name', () => {
    const s = sharedStruct('Example', { n: { type: 'u32' }, gain: { type: 'f32', doc: 'a gain' }, rows: { type: 'f32', count: 3 } });
    expect(s.offset).toEqual({ n: 0, gain: 1, rows: 2 });
    expect(s.length).toBe(5);
    expect(s.size).toBe(8);
    expect(s.wgslIndices('EX')).toBe('const EX_N: u32 = 0u;\nconst EX_GAIN: u32 = 1u;\nconst EX_ROWS: u32 = 2u;\n');
    const u = sharedStruct('Params', { n: { type: 'u32' }, gain: { type: 'f32' } });
    expect(u.wgslStruct()).toBe('struct Params {\n  n: u32,\n  gain: f32,\n  _pad2: u32,\n  _pad3: u32,\n}\n');
    const packed = u.pack({ n: 7, gain: 0.5 });
    expect(new Uint32Array(packed)[0]).toBe(7);
    expect(new Float32Array(packed)[1]).toBe(0.5);
    expect(() => u.pack({ n: 7 } as never)).toThrow(/Params.gain was not given/);
    expect(() => u.pack({ n: 7, gain: 1, gian: 2 } as never)).toThrow(/Params has no field 'gian'/);
    expect(() => s.wgslStruct()).toThrow(/array fields/);
  });
});
