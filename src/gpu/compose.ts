// Every WGSL module wgrl runs is put together here, from the files in shaders/ (embedded by
// scripts/gen-shaders.mjs) and generated declarations: shapes as constants, shared records
// (src/gpu/structs.ts), network tables, an environment module, an algorithm's objective.
import { wgslSources } from '../generated/shaders.js';
import type { SharedStruct } from './structs.js';
import type { EnvSpec } from '../envs/spec.js';
import type { PolicyLayout } from '../nn/policy.js';
import type { WgrlDevice } from './device.js';

// Imported by envs/ and kernels/, so it takes numbers from them rather than importing them.
const actionDim = (env: EnvSpec) => (env.action.type === 'discrete' ? 1 : env.action.dim);

/** The WGSL source of a family in shaders/ (e.g. 'matmul', 'envs/cartpole', 'algos/ppo'). */
export function wgsl(name: string): string {
  const s = wgslSources[name];
  if (s === undefined) throw new Error(`no WGSL source '${name}' in shaders/ (have: ${Object.keys(wgslSources).join(', ')})`);
  return s;
}

/** The functions of a family (everything above its `//! kernels` line), for composing fused modules. */
export function wgslFunctions(name: string): string {
  const s = wgsl(name);
  const i = s.indexOf('\n//! kernels\n');
  return i < 0 ? s : s.slice(0, i);
}

/** Keeps one `//! discrete` / `//! continuous` section of a shader. */
export function selectActionSection(src: string, discrete: boolean): string {
  const disc = src.indexOf('\n//! discrete\n'), cont = src.indexOf('\n//! continuous\n');
  if (disc < 0 || cont < 0) throw new Error('shader lacks //! discrete and //! continuous sections');
  return src.slice(0, disc) + (discrete ? src.slice(disc, cont) : src.slice(cont));
}

/** Several families' functions, labelled, followed by `kernels` source. */
export function composeFamilies(families: string[], kernels: string): string {
  return families.map((f) => `// ---- functions of shaders/${f}.wgsl\n${wgslFunctions(f)}`).join('\n') + '\n' + kernels;
}

/** `const NAME: u32 = value;` lines. */
export function wgslU32Constants(values: Record<string, number>): string {
  return Object.entries(values).map(([k, v]) => `const ${k}: u32 = ${v}u;`).join('\n') + '\n';
}

/** What composition needs of an algorithm's objective (src/algos/algorithm.ts Objective). */
export interface ObjectiveSource { wgsl: string; coefficients: readonly string[] }

/**
 * An algorithm's objective for a composed module: the generated ObjectiveCoefs struct, the
 * algorithm's `objective` (shaders/algos/<name>.wgsl) and `policy_objective`, which forms the
 * ratio and calls it. Needs the functions of shaders/objectives.wgsl (Obj) in the same module.
 */
export function objectiveSection(objective: ObjectiveSource): string {
  // WGSL has no empty structs: an objective without coefficients (a2c) gets one unused field.
  const fields = objective.coefficients.length ? objective.coefficients : ['_unused'];
  return [
    `// ---- objective of shaders/${objective.wgsl}.wgsl`,
    `struct ObjectiveCoefs { ${fields.map((c) => `${c}: f32`).join(', ')} }`,
    wgsl(objective.wgsl),
    'fn policy_objective(logp: f32, logp_old: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {',
    '  return objective(exp(logp - logp_old), logp, adv, d, k);',
    '}',
  ].join('\n') + '\n';
}

/** The coefficients of several objectives, each named once (the fields of their shared ObjectiveCoefs). */
export const unionCoefficients = (objectives: readonly ObjectiveSource[]) => [...new Set(objectives.flatMap((o) => o.coefficients))];

/**
 * Several algorithms' objectives in one module, one chosen per agent on the GPU (agents of one
 * pass with different objectives): one ObjectiveCoefs with every coefficient, each file's
 * `objective` renamed objective_<i>, and an `objective` that calls the one `selector` (a WGSL
 * u32 expression) names. A selector past the list takes the first.
 */
export function objectiveChoiceSection(objectives: readonly ObjectiveSource[], selector: string): string {
  const fields = unionCoefficients(objectives);
  const args = 'r: f32, logp: f32, adv: f32, d: f32, k: ObjectiveCoefs';
  return [
    `// ---- ${objectives.length} objectives, chosen per agent by ${selector}`,
    `struct ObjectiveCoefs { ${(fields.length ? fields : ['_unused']).map((c) => `${c}: f32`).join(', ')} }`,
    ...objectives.map((o, i) => {
      const src = wgsl(o.wgsl);
      if (!src.includes('fn objective(')) throw new Error(`shaders/${o.wgsl}.wgsl defines no fn objective(`);
      return `// ---- objective ${i}: shaders/${o.wgsl}.wgsl\n${src.replace('fn objective(', `fn objective_${i}(`)}`;
    }),
    `fn objective(${args}) -> Obj {`,
    `  switch (${selector}) {`,
    ...objectives.slice(1).map((_, i) => `    case ${i + 1}u: { return objective_${i + 1}(r, logp, adv, d, k); }`),
    '    default: { return objective_0(r, logp, adv, d, k); }',
    '  }',
    '}',
    'fn policy_objective(logp: f32, logp_old: f32, adv: f32, d: f32, k: ObjectiveCoefs) -> Obj {',
    '  return objective(exp(logp - logp_old), logp, adv, d, k);',
    '}',
  ].join('\n') + '\n';
}

/**
 * `fn NAME() -> ObjectiveCoefs` reading the coefficients from a storage record `array`, at the
 * element `base` (a WGSL expression: the agent's record in a per-agent array) when given.
 */
export function objectiveCoefsFromRecord(objective: ObjectiveSource, record: SharedStruct<string>, array: string, fnName = 'objective_coefs', base = ''): string {
  const args = objective.coefficients.length ? objective.coefficients.map((c) => `${array}[${base ? `${base} + ` : ''}${record.offset[coefField(c)]}u]`) : ['0.0'];
  return `fn ${fnName}() -> ObjectiveCoefs { return ObjectiveCoefs(${args.join(', ')}); }\n`;
}

/** The field of an engine scalars record that holds objective coefficient `name`. */
export const coefField = (name: string) => `coef_${name}`;

/** An environment module for the batch step/reset kernels (shaders/env_step.wgsl). */
export function envStepModule(env: EnvSpec, prelude: string): string {
  return [
    wgslU32Constants({ STATE_DIM: env.stateDim, OBS_DIM: env.obsDim, ACT_DIM: actionDim(env) }),
    env.wgsl, prelude, wgslFunctions('rng'), selectActionSection(wgsl('env_step'), env.action.type === 'discrete'),
  ].join('\n');
}

// ---- the rollout pass (src/train/rollout.ts)
const wgslArray = (type: string, xs: (number | string)[]) => `array<${type}, ${xs.length}>(${xs.join(', ')})`;
const u = (x: number) => `${x}u`;
const f = (x: number) => (Number.isInteger(x) ? `${x}.0` : `${x}`);

/** The generated constants in front of shaders/rollout.wgsl: sizes and network tables. */
export function rolloutConstants(env: EnvSpec, layout: PolicyLayout, activationCode: number): string {
  const nets = [layout.actor, layout.critic];
  const maxL = Math.max(...nets.map((n) => n.dims.length - 1));
  const pad = (xs: number[], n: number) => [...xs, ...new Array(n - xs.length).fill(0)];
  const hmax = Math.max(...nets.flatMap((n) => n.dims));
  const actDim = actionDim(env);
  const lines = [
    `const OBS_DIM: u32 = ${u(env.obsDim)};`,
    `const STATE_DIM: u32 = ${u(env.stateDim)};`,
    `const OUT_DIM: u32 = ${u(layout.outDim)};`,
    `const ACT_DIM: u32 = ${u(actDim)};`,
    `const HMAX: u32 = ${u(hmax)};`,
    `const HIDDEN_ACT: u32 = ${u(activationCode)};`,
    `const LOGSTD_OFF: u32 = ${u(Math.max(layout.logstd, 0))};`,
    `const HAS_CRITIC: bool = ${layout.hasCritic};`,
    `const NET_LAYERS = ${wgslArray('u32', nets.map((n) => u(n.dims.length - 1)))};`,
    `const NET_DIMS = ${wgslArray(`array<u32, ${maxL + 1}>`, nets.map((n) => wgslArray('u32', pad(n.dims, maxL + 1).map(u))))};`,
    `const NET_W = ${wgslArray(`array<u32, ${maxL}>`, nets.map((n) => wgslArray('u32', pad(n.w, maxL).map(u))))};`,
    `const NET_B = ${wgslArray(`array<u32, ${maxL}>`, nets.map((n) => wgslArray('u32', pad(n.b, maxL).map(u))))};`,
  ];
  if (env.action.type === 'continuous') {
    lines.push(`const ACT_LOW = ${wgslArray('f32', env.action.low.map(f))};`, `const ACT_HIGH = ${wgslArray('f32', env.action.high.map(f))};`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The whole rollout module: constants, the uniform and agent-table structs, env, shared functions,
 * rollout kernels, one action section, and how shared weights are read (subgroupWeights: adapters
 * with 4-lane subgroups). `agents` sizes the per-agent episode counts.
 */
export function rolloutModule(env: EnvSpec, layout: PolicyLayout, activationCode: number, prelude: string,
  parts: { structs: SharedStruct<string>[]; agents: number; subgroupWeights?: boolean }): string {
  return [
    ...(parts.subgroupWeights ? [SUBGROUP_DIRECTIVES] : []),
    `// ---- generated by src/train/rollout.ts for ${env.id}`, rolloutConstants(env, layout, activationCode),
    wgslU32Constants({ AGENTS: parts.agents, AGENT_COUNTS: Math.ceil(parts.agents / 4) * 4 }),
    ...parts.structs.map((st) => st.wgslStruct()),
    `// ---- environment ${env.id}`, env.wgsl, prelude,
    wgslFunctions('matmul'), wgslFunctions('rng'), wgslFunctions(env.action.type === 'discrete' ? 'categorical' : 'gaussian'),
    selectActionSection(wgsl('rollout'), env.action.type === 'discrete'),
    selectSection(wgsl('shared_weights'), parts.subgroupWeights ? 'subgroup' : 'plain'),
  ].join('\n');
}


// ---- the on-policy update (src/algos/on_policy.ts)

/**
 * The shared records a train module declares in front of shaders/train.wgsl; `extra` is
 * kernel source an algorithm adds after it (with its own generated declarations).
 */
export interface TrainRecords {
  params: SharedStruct<string>; scalars: SharedStruct<string>; diagnostics: SharedStruct<string>; metrics: SharedStruct<string>;
}

/**
 * The output layers' shapes for shaders/train.wgsl's heads_and_loss: per net its input width,
 * the element offsets of its W and b, and whether its input is a hidden layer (a policy without
 * a critic gets an empty critic layer).
 */
function outputLayerConstants(layout: PolicyLayout): string {
  const net = (name: string, l: PolicyLayout['actor']) => {
    const last = l.dims.length - 2;
    const some = last >= 0;
    return wgslU32Constants({ [`HEAD_IN_${name}`]: some ? l.dims[last] : 0, [`HEAD_W_${name}`]: some ? l.w[last] : 0, [`HEAD_B_${name}`]: some ? l.b[last] : 0 }) +
      `const HEAD_DX_${name}: bool = ${last >= 1};\n`;
  };
  return net('ACTOR', layout.actor) + net('CRITIC', layout.critic);
}

/**
 * shaders/train.wgsl composed for an environment's shapes and action space and an algorithm's
 * objective, or several objectives chosen per agent by the scalars record's objectiveIndex. With
 * subgroupWeights (adapters with 4-lane subgroups) the subgroup reading of shared_weights.wgsl.
 */
export function composeTrainModule(env: EnvSpec, layout: PolicyLayout, objectives: ObjectiveSource | readonly ObjectiveSource[], records: TrainRecords, extra: string[] = [],
  opts: { subgroupWeights?: boolean } = {}): string {
  const continuous = env.action.type === 'continuous';
  const list = Array.isArray(objectives) ? objectives : [objectives as ObjectiveSource];
  const objective: ObjectiveSource = list.length === 1 ? list[0] : { wgsl: list.map((o) => o.wgsl).join('+'), coefficients: unionCoefficients(list) };
  const objectiveCode = list.length === 1 ? objectiveSection(objective)
    : objectiveChoiceSection(list, `u32(scalars[ag_scalars + ${records.scalars.offset.objectiveIndex}u])`);
  return [
    ...(opts.subgroupWeights ? [SUBGROUP_DIRECTIVES] : []),
    wgslU32Constants({ OBS_DIM: env.obsDim, OUT_DIM: layout.outDim, ACT_DIM: actionDim(env) }),
    outputLayerConstants(layout),
    records.params.wgslStruct(),
    records.scalars.wgslIndices('SCALAR'), records.diagnostics.wgslIndices('DIAG'), records.metrics.wgslIndices('METRIC'),
    wgslU32Constants({ DIAG: records.diagnostics.length }),
    wgslFunctions('gae'), wgslFunctions('objectives'), wgslFunctions('matmul'), wgslFunctions(continuous ? 'gaussian' : 'categorical'),
    objectiveCode, objectiveCoefsFromRecord(objective, records.scalars, 'scalars', 'objective_coefs', 'ag_scalars'),
    selectActionSection(wgsl('train'), !continuous),
    selectSection(wgsl('shared_weights'), opts.subgroupWeights ? 'subgroup' : 'plain'),
    ...extra,
  ].join('\n');
}

/**
 * Lanes per subgroup that wgrl's subgroup code is written for (shaders/shared_weights.wgsl's
 * subgroup section, shaders/matmul_subgroup.wgsl): it runs only on devices whose every subgroup
 * has exactly this many (SwiftShader).
 */
export const SUBGROUP_LANES = 4;
export const hasSubgroupLanes = (dev: WgrlDevice): boolean => dev.subgroupSize === SUBGROUP_LANES;

/** The directives in front of a module that uses subgroup operations (shaders/shared_weights.wgsl's subgroup section). */
export const SUBGROUP_DIRECTIVES = [
  'enable subgroups;',
  // Subgroup functions run only where every lane of the subgroup is active (each file says how),
  // which WGSL's uniformity analysis cannot see.
  'diagnostic(off, subgroup_uniformity);',
].join('\n') + '\n';

/** The text before a shader's first `//! NAME` line and its `//! name` section. */
export function selectSection(src: string, name: string): string {
  const parts = src.split(/\n\/\/! (\w+)\n/);
  const i = parts.indexOf(name, 1);
  if (i < 0 || i % 2 === 0) throw new Error(`shader lacks a //! ${name} section`);
  return `${parts[0]}\n${parts[i + 1]}`;
}

/**
 * An algorithm's own update module (GRPO: shaders/grpo.wgsl): shapes as constants, its uniform
 * struct, the index constants of its records (prefix → record), the functions of objectives and
 * of the action space's distribution, the objective with `objective_coefs()` read from `scalars`
 * at the agent's record (the family declares `ag_scalars`), and the kernel family with one
 * action section kept.
 */
export function composeUpdateModule(env: EnvSpec, layout: PolicyLayout, objective: ObjectiveSource, parts: {
  params: SharedStruct<string>; scalars: SharedStruct<string>; indices: Record<string, SharedStruct<string>>; constants: Record<string, number>; family: string;
}): string {
  const continuous = env.action.type === 'continuous';
  return [
    `// ---- generated for ${env.id}: shapes, records, the objective of shaders/${objective.wgsl}.wgsl`,
    wgslU32Constants({ OBS_DIM: env.obsDim, OUT_DIM: layout.outDim, ACT_DIM: actionDim(env), ...parts.constants }),
    parts.params.wgslStruct(), parts.scalars.wgslIndices('SCALAR'),
    ...Object.entries(parts.indices).map(([prefix, record]) => record.wgslIndices(prefix)),
    wgslFunctions('objectives'), wgslFunctions(continuous ? 'gaussian' : 'categorical'),
    objectiveSection(objective), objectiveCoefsFromRecord(objective, parts.scalars, 'scalars', 'objective_coefs', 'ag_scalars'),
    selectActionSection(wgsl(parts.family), !continuous),
  ].join('\n');
}
