// One typed training config: CleanRL's names (camelCased) and defaults (ppo.py for discrete,
// ppo_continuous_action.py for continuous actions), the common fields here and each
// algorithm's own in its module (src/algos/). CLI flags are generated from FIELDS.
import { ALGORITHMS, ALGOS, getAlgorithm, type Algo, type AlgorithmFields } from '../algos/registry.js';
import type { Activation } from '../kernels/matmul.js';
import { InputError, didYouMean } from '../errors.js';
import { commonFieldDocs } from '../generated/field_docs.js';
import type { EnvSpec } from '../envs/spec.js';
import { policyLayout, type PolicyLayout } from '../nn/policy.js';

export interface CommonConfig {
  /** Id of a built-in environment: Gymnasium's CartPole-v1, Acrobot-v1, MountainCar-v0, Pendulum-v1, MountainCarContinuous-v0, and the sequence tasks SortDigits-v0, SortDigitsExact-v0. */
  env: string;
  /** Algorithm: one module in src/algos/ each (the choices are listed by --help). */
  algo: Algo;
  /** Seed of initialisation, environment resets, action sampling and minibatch order. */
  seed: number;
  /** Environment steps to train for (all environments together). */
  totalTimesteps: number;
  /** Adam learning rate at the start. */
  learningRate: number;
  /** Vectorised environments stepped in parallel (N). */
  numEnvs: number;
  /** Steps per environment per rollout (T); the batch is numEnvs × numSteps. */
  numSteps: number;
  /** Anneal the learning rate linearly to 0 over the run. */
  annealLr: boolean;
  /** Discount γ. */
  gamma: number;
  /** GAE λ. */
  gaeLambda: number;
  /** Minibatches per epoch; must divide numEnvs × numSteps. */
  numMinibatches: number;
  /** Passes over each batch. */
  updateEpochs: number;
  /** Normalise advantages per minibatch (unbiased std + 1e-8). */
  normAdv: boolean;
  /** ε: PPO's ratio clip range, SPO's penalty scale, and the value-clip range. */
  clipCoef: number;
  /** Clip the value loss around the old values (CleanRL's clipped value loss). */
  clipVloss: boolean;
  /** Entropy bonus coefficient. */
  entCoef: number;
  /** Value loss coefficient. */
  vfCoef: number;
  /** Global gradient-norm clip (0 disables). */
  maxGradNorm: number;
  /** Hidden sizes of the actor MLP. */
  actorHidden: number[];
  /** Hidden sizes of the critic MLP. */
  criticHidden: number[];
  /** Hidden activation. */
  activation: Activation;
  /** On truncation bootstrap with V(final observation) instead of treating it as termination (SB3 behaviour). */
  bootstrapTruncation: boolean;
  /** Normalise observations with running statistics, clip ±10 (continuous default). */
  normObs: boolean;
  /** Scale rewards by the running std of the discounted return, clip ±10 (continuous default). */
  normReward: boolean;
}

/** The common fields and every algorithm's own fields. */
export type TrainConfig = CommonConfig & AlgorithmFields;

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'list';

/** Every algorithm's fields with their module's declaration. */
const ALGORITHM_FIELDS = Object.values(ALGORITHMS).flatMap((a) => Object.entries(a.fields).map(([k, f]) => ({ algo: a.name, key: k, field: f })));

export const DISCRETE_DEFAULTS: TrainConfig = {
  env: 'CartPole-v1', algo: 'ppo', seed: 1, totalTimesteps: 500_000, learningRate: 2.5e-4, numEnvs: 4, numSteps: 128,
  annealLr: true, gamma: 0.99, gaeLambda: 0.95, numMinibatches: 4, updateEpochs: 4, normAdv: true, clipCoef: 0.2,
  clipVloss: true, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5,
  actorHidden: [64, 64], criticHidden: [64, 64], activation: 'tanh', bootstrapTruncation: false, normObs: false, normReward: false,
  ...(Object.fromEntries(ALGORITHM_FIELDS.map((f) => [f.key, f.field.default])) as unknown as AlgorithmFields),
};

export const CONTINUOUS_DEFAULTS: Partial<TrainConfig> = {
  totalTimesteps: 1_000_000, learningRate: 3e-4, numEnvs: 1, numSteps: 2048, numMinibatches: 32, updateEpochs: 10,
  entCoef: 0, normObs: true, normReward: true,
};

export const FIELDS: Record<keyof TrainConfig, FieldKind> = {
  env: 'string', algo: 'string', seed: 'integer', totalTimesteps: 'integer', learningRate: 'number', numEnvs: 'integer',
  numSteps: 'integer', annealLr: 'boolean', gamma: 'number', gaeLambda: 'number', numMinibatches: 'integer', updateEpochs: 'integer',
  normAdv: 'boolean', clipCoef: 'number', clipVloss: 'boolean', entCoef: 'number', vfCoef: 'number', maxGradNorm: 'number',
  actorHidden: 'list', criticHidden: 'list', activation: 'string',
  bootstrapTruncation: 'boolean', normObs: 'boolean', normReward: 'boolean',
  ...(Object.fromEntries(ALGORITHM_FIELDS.map((f) => [f.key, f.field.kind])) as Record<keyof AlgorithmFields, FieldKind>),
};

/** A field's one-line description: its doc comment in CommonConfig, or its algorithm module's `doc`. */
export function fieldDoc(field: keyof TrainConfig): string {
  return commonFieldDocs[field] ?? ALGORITHM_FIELDS.find((f) => f.key === field)?.field.doc ?? '';
}

/** kebab-case flag of a field: numEnvs → --num-envs. */
export const flagName = (field: string) => field.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/**
 * The full config for `overrides`: CleanRL's discrete defaults, then the continuous
 * defaults if the environment has continuous actions, then the algorithm's, then the overrides.
 */
export function makeConfig(overrides: Partial<TrainConfig>, continuous: boolean, env?: EnvSpec): TrainConfig {
  for (const k of Object.keys(overrides)) {
    if (!(k in FIELDS)) throw new ConfigError(`unknown config key '${k}'${didYouMean(k, Object.keys(FIELDS))}; the keys are ${Object.keys(FIELDS).join(', ')}`);
  }
  const algo = overrides.algo ?? DISCRETE_DEFAULTS.algo;
  // A field of another algorithm would be silently unused.
  for (const f of ALGOS.includes(algo) ? ALGORITHM_FIELDS : []) {
    const v = (overrides as Record<string, unknown>)[f.key];
    const owners = ALGORITHM_FIELDS.filter((g) => g.key === f.key).map((g) => g.algo);
    if (v !== undefined && !owners.includes(algo) && JSON.stringify(v) !== JSON.stringify(f.field.default)) {
      throw new ConfigError(`--${flagName(f.key)} applies to ${owners.join(', ')} only, not to --algo ${algo}: drop it, or choose --algo ${owners[0]}`);
    }
  }
  const algorithm = ALGOS.includes(algo) ? getAlgorithm(algo) : undefined;
  const defaults: TrainConfig = {
    ...DISCRETE_DEFAULTS, ...(continuous ? CONTINUOUS_DEFAULTS : {}), ...algorithm?.defaults,
    ...(env ? algorithm?.envDefaults?.(env, overrides) : {}),
  };
  // A common field the algorithm does not use would be silently ignored.
  for (const [k, why] of Object.entries(algorithm?.unusedCommon ?? {}) as [keyof CommonConfig, string][]) {
    const v = overrides[k];
    if (v !== undefined && JSON.stringify(v) !== JSON.stringify(defaults[k])) {
      throw new ConfigError(`--${flagName(k)} = ${JSON.stringify(v)} does not apply to --algo ${algo}: ${why}; drop the flag (its value for ${algo} is ${JSON.stringify(defaults[k])})`);
    }
  }
  const c: TrainConfig = { ...defaults, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  validateConfig(c);
  const why = env && algorithm?.checkEnv?.(c, env);
  if (why) throw new ConfigError(`--algo ${algo} on ${env!.id}: ${why}`);
  return c;
}

export class ConfigError extends InputError {
  constructor(message: string) { super(message); this.name = 'ConfigError'; }
}

export function validateConfig(c: TrainConfig): void {
  const bad = (field: keyof TrainConfig, why: string) => {
    throw new ConfigError(`invalid --${flagName(field)} = ${JSON.stringify(c[field])}: ${why}`);
  };
  for (const [k, kind] of Object.entries(FIELDS) as [keyof TrainConfig, FieldKind][]) {
    const v = c[k];
    const min = k === 'seed' ? 0 : ALGORITHM_FIELDS.find((f) => f.key === k)?.field.min ?? 1;
    if (kind === 'integer' && (!Number.isInteger(v) || (v as number) < min)) bad(k, min === 0 ? 'must be an integer >= 0' : min === 1 ? 'must be a positive integer' : `must be an integer >= ${min}`);
    if (kind === 'number' && !Number.isFinite(v)) bad(k, 'must be a finite number');
    if (kind === 'boolean' && typeof v !== 'boolean') bad(k, 'must be true or false');
    if (kind === 'list' && (!Array.isArray(v) || v.length === 0 || (v as number[]).some((x) => !Number.isInteger(x) || x < 1))) bad(k, 'must be a non-empty list of positive integers, e.g. 64,64');
  }
  if (!ALGOS.includes(c.algo)) bad('algo', `unknown algorithm${didYouMean(String(c.algo), ALGOS)}; choose one of ${ALGOS.join(', ')}`);
  if (!['tanh', 'relu'].includes(c.activation)) bad('activation', 'must be tanh or relu');
  if (c.learningRate <= 0) bad('learningRate', 'must be > 0');
  if (c.gamma < 0 || c.gamma > 1) bad('gamma', 'must be in [0, 1]');
  if (c.gaeLambda < 0 || c.gaeLambda > 1) bad('gaeLambda', 'must be in [0, 1]');
  if (c.clipCoef <= 0) bad('clipCoef', 'must be > 0');
  for (const k of ['entCoef', 'vfCoef', 'maxGradNorm'] as const) if (c[k] < 0) bad(k, 'must be >= 0');
  // The chosen algorithm checks its own fields.
  for (const f of ALGORITHM_FIELDS) {
    const why = f.algo === c.algo ? f.field.check?.(c[f.key as keyof AlgorithmFields], c) : undefined;
    if (why) bad(f.key as keyof TrainConfig, why);
  }
  if (c.seed > 0xffffffff) bad('seed', 'must fit in 32 bits');
  const batch = c.numEnvs * c.numSteps;
  if (c.numMinibatches > batch) bad('numMinibatches', `a minibatch would be smaller than one sample: the batch is numEnvs × numSteps = ${batch}`);
  if (batch % c.numMinibatches !== 0) bad('numMinibatches', `must divide the batch numEnvs × numSteps = ${batch} (minibatch size would be ${batch / c.numMinibatches})`);
  if (c.totalTimesteps < batch) bad('totalTimesteps', `is less than one batch (numEnvs × numSteps = ${batch})`);
}

/** Parses a flag's string value for a field. */
export function parseField(field: keyof TrainConfig, raw: string): unknown {
  const kind = FIELDS[field];
  if (kind === 'boolean') {
    // CleanRL's flags take True/False (Python's spelling) as well.
    if (['true', '1', 'yes', ''].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    throw new ConfigError(`--${flagName(field)} expects true or false, got '${raw}'`);
  }
  if (kind === 'list') return raw.split(',').map((x) => Number(x.trim()));
  if (kind === 'number' || kind === 'integer') {
    const v = Number(raw);
    if (raw.trim() === '' || Number.isNaN(v)) throw new ConfigError(`--${flagName(field)} expects a number, got '${raw}'`);
    if (!Number.isFinite(v)) throw new ConfigError(`--${flagName(field)} expects a finite number, got '${raw}' (not finite)`);
    if (kind === 'integer' && !Number.isInteger(v)) throw new ConfigError(`--${flagName(field)} expects an integer, got '${raw}'`);
    return v;
  }
  return raw;
}

/** The policy's parameter layout for a config: its networks, and a critic unless the algorithm has none. */
export function configLayout(env: EnvSpec, c: TrainConfig): PolicyLayout {
  return policyLayout(env, { actorHidden: c.actorHidden, criticHidden: c.criticHidden, activation: c.activation, critic: getAlgorithm(c.algo).critic !== false });
}

/**
 * Common fields that may differ between agents trained in one pass (src/gpu/agents.ts): each
 * agent's values live in its own record on the GPU. With them, the numeric fields of an
 * algorithm whose plan runs many agents (its objective coefficients and host rule). Every other
 * field sets shapes, compiled constants or the length of the run, so all agents share it.
 */
export const PER_AGENT_FIELDS = ['seed', 'learningRate', 'annealLr', 'gamma', 'gaeLambda', 'clipCoef', 'entCoef', 'vfCoef'] as const;

/**
 * The fields that may differ between agents running `algos` (PER_AGENT_FIELDS and their
 * numeric fields), and `algo` itself: agents whose algorithms share one plan may each have
 * their own objective (the Trainer checks the plans).
 */
export function perAgentFields(...algos: Algo[]): string[] {
  const numeric = [...new Set(algos)].flatMap((algo) => Object.entries(getAlgorithm(algo).fields).filter(([, f]) => f.kind === 'number').map(([k]) => k));
  return [...new Set([...PER_AGENT_FIELDS, 'algo', ...numeric])];
}

/**
 * Throws unless the agents' configs differ only in fields that may differ (perAgentFields),
 * naming the first field that does not and the agents' values.
 */
export function checkAgentConfigs(configs: TrainConfig[]): void {
  const free = new Set(perAgentFields(...configs.map((c) => c.algo)));
  for (const [k, c] of configs.entries()) {
    for (const f of Object.keys(FIELDS) as (keyof TrainConfig)[]) {
      if (free.has(f) || JSON.stringify(c[f]) === JSON.stringify(configs[0][f])) continue;
      throw new ConfigError(`agent ${k} has ${f} = ${JSON.stringify(c[f])}, agent 0 has ${JSON.stringify(configs[0][f])}: --${flagName(f)} sets shapes, a compiled constant or the run's length, ` +
        `which all agents of one pass share; agents may differ in ${[...free].map(flagName).join(', ')}. Run the other value as its own pass`);
    }
  }
}

/** Iterations a run of this config trains: whole batches of numEnvs × numSteps within totalTimesteps. */
export const numIterationsOf = (c: TrainConfig) => Math.floor(c.totalTimesteps / (c.numEnvs * c.numSteps));
