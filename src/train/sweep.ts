// The agents of one pass from the command line: seeds (--num-agents K, --seeds 1,2,3 or 1-16) and
// hyperparameter grids (--sweep 'learning-rate=1e-3,2.5e-4;clip-coef=0.1,0.2' or a JSON file
// {"learning-rate": [1e-3, 2.5e-4]}). Every grid point runs with every seed; all of it is checked
// here, before any GPU work.
import { existsSync, readFileSync } from 'node:fs';
import { FIELDS, flagName, parseField, perAgentFields, ConfigError, type TrainConfig } from './config.js';
import { ALGOS, getAlgorithm, type Algo } from '../algos/registry.js';
import { didYouMean } from '../errors.js';

/** Seeds from "1,2,3", "1-16" or a mix ("1-4,9"). */
export function parseSeeds(raw: string): number[] {
  const seeds: number[] = [];
  for (const part of raw.split(',').map((p) => p.trim())) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [lo, hi] = [Number(range[1]), Number(range[2])];
      if (hi < lo) throw new ConfigError(`--seeds: range '${part}' runs backwards; write ${hi}-${lo}`);
      for (let s = lo; s <= hi; s++) seeds.push(s);
    } else if (/^\d+$/.test(part)) seeds.push(Number(part));
    else throw new ConfigError(`--seeds expects seeds like 1,2,3 or a range 1-16, got '${part}'`);
  }
  if (seeds.some((s) => s > 0xffffffff)) throw new ConfigError('--seeds: every seed must fit in 32 bits');
  const dup = seeds.find((s, i) => seeds.indexOf(s) !== i);
  if (dup !== undefined) throw new ConfigError(`--seeds lists seed ${dup} twice; two agents with one seed and config would train the same agent`);
  return seeds;
}

/** The config field a sweep key names: a flag name (learning-rate) or the field itself (learningRate). */
function sweepField(key: string, algo: Algo): keyof TrainConfig {
  const fields = Object.keys(FIELDS) as (keyof TrainConfig)[];
  const field = fields.find((f) => f === key || flagName(f) === key);
  if (!field) throw new ConfigError(`--sweep: unknown key '${key}'${didYouMean(key, fields.map(flagName))}`);
  if (field === 'seed') throw new ConfigError('--sweep: seeds are given with --seeds or --num-agents, not in the sweep');
  const free = perAgentFields(...ALGOS.filter((a) => a === algo || getAlgorithm(a).manyAgents));
  if (!free.includes(field)) {
    throw new ConfigError(`--sweep: ${flagName(field)} cannot differ between agents of one pass (it sets shapes, compiled constants or the run's length); ` +
      `the keys that can are ${free.filter((f) => f !== 'seed').map(flagName).join(', ')}`);
  }
  return field;
}

/**
 * The sweep's values per field, from 'key=v1,v2;key2=v3', or a JSON file or JSON text
 * {"key": [v1, v2]}. A key or a value given twice would train two identical agents: refused.
 */
export function parseSweep(raw: string, algo: Algo): [keyof TrainConfig, unknown[]][] {
  const sweep = parseSweepEntries(raw, algo);
  for (const [i, [field, values]] of sweep.entries()) {
    if (sweep.findIndex(([f]) => f === field) !== i) throw new ConfigError(`--sweep lists ${flagName(field)} twice; give all its values in one list`);
    const dup = values.find((v, j) => values.findIndex((w) => JSON.stringify(w) === JSON.stringify(v)) !== j);
    if (dup !== undefined) throw new ConfigError(`--sweep lists ${flagName(field)} = ${JSON.stringify(dup)} twice; two agents with one seed and config would train the same agent`);
  }
  return sweep;
}

function parseSweepEntries(raw: string, algo: Algo): [keyof TrainConfig, unknown[]][] {
  const text = raw.trim();
  if (text.startsWith('{') || (existsSync(text) && text.endsWith('.json'))) {
    const source = text.startsWith('{') ? text : readFileSync(text, 'utf8');
    let grid: unknown;
    try { grid = JSON.parse(source); } catch (e) { throw new ConfigError(`--sweep: ${text.startsWith('{') ? 'the JSON' : text} is not valid JSON (${(e as Error).message})`); }
    if (!grid || typeof grid !== 'object' || Array.isArray(grid)) throw new ConfigError('--sweep: a JSON sweep is an object of lists, e.g. {"learning-rate": [0.001, 0.00025]}');
    return Object.entries(grid as Record<string, unknown>).map(([key, values]) => {
      const field = sweepField(key, algo);
      if (!Array.isArray(values) || !values.length) throw new ConfigError(`--sweep: ${key} must be a non-empty list of values, got ${JSON.stringify(values)}`);
      const kind = FIELDS[field];
      for (const v of values) {
        const ok = kind === 'boolean' ? typeof v === 'boolean' : kind === 'string' ? typeof v === 'string'
          : typeof v === 'number' && Number.isFinite(v) && (kind !== 'integer' || Number.isInteger(v));
        const want = { boolean: 'true or false', string: 'names', integer: 'integers', number: 'finite numbers', list: 'lists' }[kind];
        if (!ok) throw new ConfigError(`--sweep: ${key} takes ${want}, got ${JSON.stringify(v)}`);
      }
      return [field, values] as [keyof TrainConfig, unknown[]];
    });
  }
  if (!text) throw new ConfigError("--sweep expects key=v1,v2;key2=v3 (e.g. 'learning-rate=1e-3,2.5e-4;clip-coef=0.1,0.2') or a .json file");
  return text.split(';').filter((p) => p.trim()).map((part) => {
    const eq = part.indexOf('=');
    if (eq < 0) throw new ConfigError(`--sweep: '${part.trim()}' has no '='; write key=v1,v2`);
    const field = sweepField(part.slice(0, eq).trim(), algo);
    const values = part.slice(eq + 1).split(',').map((v) => v.trim());
    if (values.some((v) => !v)) throw new ConfigError(`--sweep: ${flagName(field)} has an empty value in '${part.trim()}'`);
    return [field, values.map((v) => parseField(field, v))] as [keyof TrainConfig, unknown[]];
  });
}

/**
 * The agents of one pass: every point of the sweep's grid with every seed (grid-major). Seeds:
 * --seeds, else --num-agents K from the base seed up, else the base seed alone.
 */
export function expandAgents(opts: { numAgents?: number; seeds?: number[]; sweep?: [keyof TrainConfig, unknown[]][]; baseSeed: number }): Partial<TrainConfig>[] {
  const { numAgents, sweep = [] } = opts;
  if (numAgents !== undefined && (!Number.isInteger(numAgents) || numAgents < 1)) throw new ConfigError(`--num-agents expects an integer >= 1, got ${numAgents}`);
  let seeds = opts.seeds ?? (numAgents !== undefined && !sweep.length ? Array.from({ length: numAgents }, (_, k) => opts.baseSeed + k) : [opts.baseSeed]);
  let grid: Partial<TrainConfig>[] = [{}];
  for (const [field, values] of sweep) grid = grid.flatMap((point) => values.map((v) => ({ ...point, [field]: v })));
  if (numAgents !== undefined && sweep.length && !opts.seeds) {
    // --num-agents with a sweep: K agents in all, K / (grid points) seeds from the base seed at each point.
    seeds = Array.from({ length: Math.max(1, Math.floor(numAgents / grid.length)) }, (_, k) => opts.baseSeed + k);
    if (seeds.length * grid.length !== numAgents) {
      throw new ConfigError(`--num-agents ${numAgents} is not a multiple of the sweep's ${grid.length} configurations; give a multiple, or --seeds`);
    }
  }
  const agents = grid.flatMap((point) => seeds.map((seed) => ({ ...point, seed })));
  if (numAgents !== undefined && opts.seeds && agents.length !== numAgents) {
    throw new ConfigError(`--num-agents ${numAgents} disagrees with --seeds and --sweep, which give ${agents.length} agents; drop --num-agents`);
  }
  return agents;
}
