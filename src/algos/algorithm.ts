// What an algorithm module declares (src/algos/<name>.ts), read by the training engine
// (src/train/trainer.ts), which knows no algorithm by name. A module is its config fields, its
// objective (WGSL beside an f64 reference), its plan of GPU stages, and its host hooks.
import type { Dispatch } from '../gpu/kernel.js';
import type { WgrlDevice } from '../gpu/device.js';
import type { EnvSpec } from '../envs/spec.js';
import type { PolicyLayout } from '../nn/policy.js';
import type { Rollout } from '../train/rollout.js';
import type { SharedStruct } from '../gpu/structs.js';
import type { CommonConfig, TrainConfig, FieldKind } from '../train/config.js';

/** A config field an algorithm adds: its CLI kind, default, doc line and check. */
export interface AlgorithmField<V = number | string | boolean> {
  kind: FieldKind;
  default: V;
  /** Integer fields: the smallest valid value (default 1). */
  min?: number;
  doc: string;
  /** Returns why the value is invalid for this algorithm, or nothing. */
  check?: (value: V, config: TrainConfig) => string | undefined;
}

/** f64 reference of a per-sample objective: value and partials w.r.t. log π and the per-state KL d. */
export interface ObjRef { value: number; dlogp: number; dkl: number }

export interface Objective {
  /** shaders/ family holding `fn objective(r, logp, adv, d, k: ObjectiveCoefs) -> Obj`. */
  wgsl: string;
  /** Names of the f32 coefficients in ObjectiveCoefs (the WGSL struct is generated from them). */
  coefficients: readonly string[];
  /** Their values for an iteration, from the config and the algorithm's host state. */
  coefficientValues(config: TrainConfig, state: AlgorithmState): Record<string, number>;
  /** f64 reference: r = exp(logp - logpOld). */
  reference(r: number, logp: number, adv: number, d: number, coefs: Record<string, number>): ObjRef;
}

/** An algorithm's own host state (saved in checkpoints with the engine's). */
export type AlgorithmState = Record<string, number>;

/** What a plan is given: the engine's buffers and records, allocated once. */
export interface PlanContext {
  dev: WgrlDevice;
  config: TrainConfig;
  env: EnvSpec;
  layout: PolicyLayout;
  rollout: Rollout;
  algorithm: Algorithm;
  /**
   * The objectives of the pass: [algorithm.objective], or with agents of different algorithms
   * sharing this plan, each distinct objective once (the kernels choose one per agent by the
   * scalars record's objectiveIndex).
   */
  objectives: Objective[];
  /** Per agent (one agent: N·T). */
  batchSize: number;
  /**
   * Agents trained in this pass (src/gpu/agents.ts): every engine buffer holds one copy per
   * agent, and the plan's dispatches run them all (1 unless the algorithm sets manyAgents).
   */
  agents: number;
  /** Named GPU buffers the engine owns: params, grads, adam m/v/state, scalars, metrics, permutations. */
  buffers: EngineBuffers;
  /** Per-iteration scalars written by the engine before the submit (learning rate, coefficients, …). */
  scalars: SharedStruct<string>;
  /** The iteration's update metrics, read back once per iteration. */
  metrics: SharedStruct<string>;
}

export interface EngineBuffers {
  params: GPUBuffer; grads: GPUBuffer; adamM: GPUBuffer; adamV: GPUBuffer; adamState: GPUBuffer; adamPartials: GPUBuffer;
  scalars: GPUBuffer; metrics: GPUBuffer;
  /** [epochs, batch] minibatch order, drawn on the host once per iteration. */
  permutations: GPUBuffer;
}

/** An iteration's update: dispatches recorded once, encoded after the rollout in the same pass. */
export interface Plan {
  stages: { name: string; dispatches: Dispatch[] }[];
  /**
   * GPU state of the algorithm that a checkpoint saves and a resume restores, by name (GRPO's
   * reference policy). Each buffer is saved whole.
   */
  checkpointed?: Record<string, GPUBuffer>;
  /** The plan's own buffers by name, for inspection and tests (read them between iterations). */
  named?: Record<string, GPUBuffer>;
}

export interface Algorithm {
  name: string;
  /** One sentence on what it is (CLI help, demo). */
  summary: string;
  /** Config fields this algorithm adds (numbers, strings or booleans; each check narrows its own). */
  fields: Record<string, AlgorithmField<any>>;
  /** Defaults of common fields this algorithm changes (A2C: one epoch, one minibatch). */
  defaults?: Partial<CommonConfig>;
  /** Defaults that depend on the environment and on the fields given (GRPO: numSteps is the time limit). */
  envDefaults?(env: EnvSpec, given: Partial<TrainConfig>): Partial<CommonConfig>;
  /** Why the config cannot run on this environment, or nothing (checked before any GPU work). */
  checkEnv?(config: TrainConfig, env: EnvSpec): string | undefined;
  /**
   * Common fields the algorithm has no use for, each with the reason: setting one to anything
   * but its default is an error, not a silently ignored option.
   */
  unusedCommon?: Partial<Record<keyof CommonConfig, string>>;
  /**
   * The plan runs K agents in one pass (src/gpu/agents.ts) with every agent's result what a
   * single run gives; without it the engine refuses more than one agent.
   */
  manyAgents?: boolean;
  /** false: the policy has no value network, in the rollout or the update (default true). */
  critic?: boolean;
  /**
   * Environments per episodic group (GRPO's G): every rollout restarts each group of G from one
   * shared state, one episode per environment (src/train/rollout.ts). Absent: continuing.
   */
  episodicGroups?(config: TrainConfig): number;
  objective: Objective;
  /** Its host state at the start of a run. */
  initialState(config: TrainConfig): AlgorithmState;
  /** The update, built once from the engine's buffers. */
  plan(ctx: PlanContext): Plan;
  /** The record of update metrics its plan writes (the engine allocates and reads it back). */
  metrics: SharedStruct<string>;
  /** Log entries from the decoded update metrics. */
  report(metrics: Record<string, number>): Record<string, number>;
  /**
   * After each iteration's readback: adapt host state from the update metrics (ppo-kl's β)
   * and return metrics to log with the iteration.
   */
  afterIteration?(config: TrainConfig, state: AlgorithmState, metrics: Record<string, number>): Record<string, number>;
}
