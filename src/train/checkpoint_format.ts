// Checkpoints as safetensors (readable by PyTorch's safetensors.torch.load_file) with the
// run's config and host state as JSON metadata. Policy tensors use CleanRL's Agent names and
// PyTorch's [out, in] weight layout, so a CleanRL agent can load_state_dict them directly.
// No file system here: the browser demo downloads and loads the same bytes (checkpoint.ts writes them in Node).
import { ADAM_STATE, type HostState, type Trainer } from './trainer.js';
import { agentOffset } from '../gpu/agents.js';
import { flagName, type TrainConfig } from './config.js';
import type { MlpLayout } from '../nn/mlp.js';
import type { PolicyLayout } from '../nn/policy.js';
import { InputError } from '../errors.js';

export const CHECKPOINT_FORMAT = 'wgrl-checkpoint-v1';

export interface TensorEntry { dtype: 'F32'; shape: number[]; data: Float32Array }

export interface CheckpointMeta {
  format: string;
  /** Agent 0's config (with several agents, the shapes they share). */
  config: TrainConfig;
  /** Agent 0's host state. */
  host: HostState;
  /**
   * Several agents in one pass (src/gpu/agents.ts): each one's overrides on top of the run's
   * config, full config and host state; its tensors are named with the prefix `agent<k>.`.
   */
  agents?: { overrides: Partial<TrainConfig>; config: TrainConfig; host: HostState }[];
  adapter: string;
  paramCount: number;
  /** What the run directory knows across resumes: wall seconds of all its segments so far. */
  run?: RunRecord;
}

export interface RunRecord { wallSeconds: number; segments: number }

/** CleanRL names: actor.0/2/4 (discrete) or actor_mean.* and actor_logstd (continuous), critic.0/2/4. */
function mlpTensors(prefix: string, layout: MlpLayout, params: Float32Array, out: Map<string, TensorEntry>): void {
  for (let l = 0; l + 1 < layout.dims.length; l++) {
    const nin = layout.dims[l], nout = layout.dims[l + 1];
    const w = new Float32Array(nout * nin);
    for (let i = 0; i < nin; i++) for (let o = 0; o < nout; o++) w[o * nin + i] = params[layout.w[l] + i * nout + o];
    out.set(`${prefix}.${2 * l}.weight`, { dtype: 'F32', shape: [nout, nin], data: w });
    out.set(`${prefix}.${2 * l}.bias`, { dtype: 'F32', shape: [nout], data: params.slice(layout.b[l], layout.b[l] + nout) });
  }
}

function mlpFromTensors(prefix: string, layout: MlpLayout, t: Map<string, Float32Array>, params: Float32Array): void {
  for (let l = 0; l + 1 < layout.dims.length; l++) {
    const nin = layout.dims[l], nout = layout.dims[l + 1];
    const w = need(t, `${prefix}.${2 * l}.weight`, nout * nin), b = need(t, `${prefix}.${2 * l}.bias`, nout);
    for (let i = 0; i < nin; i++) for (let o = 0; o < nout; o++) params[layout.w[l] + i * nout + o] = w[o * nin + i];
    params.set(b, layout.b[l]);
  }
}

function need(t: Map<string, Float32Array>, name: string, size: number): Float32Array {
  const x = t.get(name);
  if (!x) throw new CheckpointError(`checkpoint has no tensor '${name}'`);
  if (x.length !== size) throw new CheckpointError(`tensor '${name}' has ${x.length} values, this network needs ${size}: the checkpoint was trained with other sizes`);
  return x;
}

export class CheckpointError extends InputError {
  constructor(message: string) { super(message); this.name = 'CheckpointError'; }
}

/** Serialises tensors and string metadata as safetensors bytes. */
export function encodeSafetensors(tensors: Map<string, TensorEntry>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of tensors) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  const utf8 = new TextEncoder();
  json += ' '.repeat((8 - ((8 + utf8.encode(json).length) % 8)) % 8); // align the data to 8 bytes
  const hbytes = utf8.encode(json);
  const out = new Uint8Array(8 + hbytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hbytes.length), true);
  out.set(hbytes, 8);
  let at = 8 + hbytes.length;
  for (const t of tensors.values()) { out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at); at += t.data.byteLength; }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array): { tensors: Map<string, Float32Array>; metadata: Record<string, string> } {
  if (bytes.length < 8) throw new CheckpointError('file is too short to be a safetensors checkpoint');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (n <= 0 || 8 + n > bytes.length) throw new CheckpointError('corrupt checkpoint: header length points past the end of the file');
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try { header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))); } catch { throw new CheckpointError('corrupt checkpoint: header is not JSON'); }
  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, Float32Array>();
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const t = e as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (t.dtype !== 'F32') throw new CheckpointError(`tensor '${name}' has dtype ${t.dtype}; wgrl checkpoints hold F32`);
    const [a, b] = t.data_offsets;
    const count = t.shape.reduce((x, y) => x * y, 1);
    if (b > data.length || b - a !== count * 4) throw new CheckpointError(`corrupt checkpoint: tensor '${name}' is truncated or misdescribed`);
    tensors.set(name, new Float32Array(data.slice(a, b).buffer));
  }
  return { tensors, metadata: (header.__metadata__ ?? {}) as Record<string, string> };
}

/** Tensor-name prefix of agent k's state in a checkpoint of `agents` agents ('' for one agent). */
export const agentPrefix = (k: number, agents: number) => (agents > 1 ? `agent${k}.` : '');

/** Elements of one agent's normalisation statistics in a checkpoint (one agent: the whole buffer, as always saved). */
const normLength = (trainer: Trainer) => (trainer.agents > 1 ? 2 * trainer.env.obsDim + 4 : trainer.rollout.normStats.size / 4);

/** The trainer's whole state (GPU buffers and host record) as checkpoint bytes: every agent's. */
export async function checkpointBytes(trainer: Trainer, run?: RunRecord): Promise<Uint8Array> {
  const dev = trainer.dev, L = trainer.layout, ro = trainer.rollout, K = trainer.agents;
  const tensors = new Map<string, TensorEntry>();
  const f32 = (shape: number[], data: Float32Array): TensorEntry => ({ dtype: 'F32', shape, data });
  const [params, m, v, state, norm] = await Promise.all([trainer.params, trainer.adamM, trainer.adamV, trainer.adamState, ro.normStats].map((b) => dev.readF32(b)));
  for (let k = 0; k < K; k++) {
    const pre = agentPrefix(k, K);
    const slice = (data: Float32Array, buffer: GPUBuffer, n: number) => data.slice(agentOffset(buffer, k), agentOffset(buffer, k) + n);
    const p = slice(params, trainer.params, L.size);
    mlpTensors(`${pre}${L.continuous ? 'actor_mean' : 'actor'}`, L.actor, p, tensors);
    mlpTensors(`${pre}critic`, L.critic, p, tensors);
    if (L.continuous) tensors.set(`${pre}actor_logstd`, f32([1, L.outDim], p.slice(L.logstd, L.logstd + L.outDim)));
    tensors.set(`${pre}wgrl.optimizer.exp_avg`, f32([L.size], slice(m, trainer.adamM, L.size)));
    tensors.set(`${pre}wgrl.optimizer.exp_avg_sq`, f32([L.size], slice(v, trainer.adamV, L.size)));
    tensors.set(`${pre}wgrl.optimizer.state`, f32([ADAM_STATE.length], slice(state, trainer.adamState, ADAM_STATE.length)));
    tensors.set(`${pre}wgrl.normalization`, f32([normLength(trainer)], slice(norm, ro.normStats, normLength(trainer))));
  }
  // Environment rows of every agent, agent-major: [agents · N, …].
  const rows = K * trainer.config.numEnvs;
  tensors.set('wgrl.env.state', f32([rows, trainer.env.stateDim], await dev.readF32(ro.envState, rows * trainer.env.stateDim)));
  tensors.set('wgrl.env.episode', f32([rows, 4], await dev.readF32(ro.envBook, rows * 4)));
  for (const [name, buffer] of Object.entries(trainer.plan.checkpointed ?? {})) {
    tensors.set(`wgrl.algorithm.${name}`, f32([buffer.size / 4], await dev.readF32(buffer)));
  }
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT, config: trainer.config, host: trainer.host, adapter: trainer.adapter, paramCount: L.size,
    ...(K > 1 ? { agents: trainer.configs.map((config, k) => ({ overrides: trainer.agentOverrides[k], config, host: trainer.hosts[k] })) } : {}),
    ...(run ? { run } : {}),
  };
  return encodeSafetensors(tensors, { wgrl: JSON.stringify(meta) });
}

/** A checkpoint's record and tensors from its bytes; `path` names it in errors. Every tensor is checked for NaN/Inf. */
export function parseCheckpoint(bytes: Uint8Array, path: string): { meta: CheckpointMeta; tensors: Map<string, Float32Array> } {
  const { tensors, metadata } = decodeSafetensors(bytes);
  let meta: CheckpointMeta;
  try { meta = JSON.parse(metadata.wgrl ?? ''); } catch { throw new CheckpointError(`${path} is a safetensors file but not a wgrl checkpoint (no 'wgrl' metadata)`); }
  if (meta.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${path} has format '${meta.format}', this wgrl reads '${CHECKPOINT_FORMAT}'`);
  // A NaN in the parameters, optimiser or environment state would evaluate or train to
  // meaningless numbers; name the first bad tensor instead.
  for (const [name, values] of tensors) {
    const at = values.findIndex((v) => !Number.isFinite(v));
    if (at >= 0) {
      throw new CheckpointError(`${path}: tensor '${name}' holds ${values[at]} at element ${at} of ${values.length}; ` +
        `the checkpoint is unusable (the run diverged or the file was altered): use an earlier copy or train again`);
    }
  }
  return { meta, tensors };
}

/** The flat parameter vector of a checkpoint for a policy of `layout` (agent `prefix`'s, agentPrefix). */
export function checkpointParams(L: PolicyLayout, tensors: Map<string, Float32Array>, prefix = ''): Float32Array {
  const params = new Float32Array(L.size);
  mlpFromTensors(`${prefix}${L.continuous ? 'actor_mean' : 'actor'}`, L.actor, tensors, params);
  mlpFromTensors(`${prefix}critic`, L.critic, tensors, params);
  if (L.continuous) params.set(need(tensors, `${prefix}actor_logstd`, L.outDim), L.logstd);
  return params;
}

/** Agents in a checkpoint. */
export const checkpointAgents = (meta: CheckpointMeta) => meta.agents?.length ?? 1;

/** Agent k's config and host state in a checkpoint; a clear error when there is no agent k. */
export function checkpointAgent(meta: CheckpointMeta, k: number, path: string): { config: TrainConfig; host: HostState; prefix: string } {
  const K = checkpointAgents(meta);
  if (!Number.isInteger(k) || k < 0 || k >= K) throw new CheckpointError(`${path} holds ${K} agent${K === 1 ? '' : 's'} (0${K > 1 ? `-${K - 1}` : ''}); --agent ${k} is not one of them`);
  return K > 1 ? { config: meta.agents![k].config, host: meta.agents![k].host, prefix: agentPrefix(k, K) } : { config: meta.config, host: meta.host, prefix: '' };
}

/** Config fields the saved buffers' shapes or meaning depend on; the others may change on resume (and are recorded). */
export const FIXED_ON_RESUME = ['env', 'algo', 'seed', 'numEnvs', 'numSteps', 'actorHidden', 'criticHidden', 'activation', 'normObs', 'normReward'] as const;

/** Restores every GPU buffer and the host state of `trainer` from a checkpoint. */
export function restoreCheckpoint(trainer: Trainer, meta: CheckpointMeta, tensors: Map<string, Float32Array>): void {
  const dev = trainer.dev, L = trainer.layout, ro = trainer.rollout, c = trainer.config, K = trainer.agents;
  if (checkpointAgents(meta) !== K) {
    throw new CheckpointError(`checkpoint holds ${checkpointAgents(meta)} agent(s), this run has ${K}; the number of agents cannot change on resume: drop --num-agents/--seeds/--sweep, or start a new run`);
  }
  for (let a = 0; a < K; a++) {
    const saved = checkpointAgent(meta, a, 'checkpoint').config;
    for (const k of FIXED_ON_RESUME) {
      if (JSON.stringify(saved[k]) !== JSON.stringify(trainer.configs[a][k])) {
        throw new CheckpointError(`checkpoint${K > 1 ? `'s agent ${a}` : ''} was trained with ${k} = ${JSON.stringify(saved[k])}, this run has ${JSON.stringify(trainer.configs[a][k])}; ` +
          `--${flagName(k)} cannot change on resume (the saved state depends on it): drop the flag, or start a new run`);
      }
    }
  }
  // One agent's arrays at their places in a per-agent buffer.
  const perAgent = (buffer: GPUBuffer, name: string, n: number) => {
    for (let a = 0; a < K; a++) dev.write(buffer, need(tensors, `${agentPrefix(a, K)}${name}`, n), agentOffset(buffer, a) * 4);
  };
  for (let a = 0; a < K; a++) dev.write(trainer.params, checkpointParams(L, tensors, agentPrefix(a, K)), agentOffset(trainer.params, a) * 4);
  perAgent(trainer.adamM, 'wgrl.optimizer.exp_avg', L.size);
  perAgent(trainer.adamV, 'wgrl.optimizer.exp_avg_sq', L.size);
  perAgent(trainer.adamState, 'wgrl.optimizer.state', ADAM_STATE.length);
  perAgent(ro.normStats, 'wgrl.normalization', normLength(trainer));
  dev.write(ro.envState, need(tensors, 'wgrl.env.state', K * c.numEnvs * trainer.env.stateDim));
  dev.write(ro.envBook, need(tensors, 'wgrl.env.episode', K * c.numEnvs * 4));
  for (const [name, buffer] of Object.entries(trainer.plan.checkpointed ?? {})) dev.write(buffer, need(tensors, `wgrl.algorithm.${name}`, buffer.size / 4));
  trainer.hosts = Array.from({ length: K }, (_, a) => {
    const host = structuredClone(checkpointAgent(meta, a, 'checkpoint').host) as HostState & Record<string, unknown>;
    // Checkpoints written before algorithms kept their own state held it at the top level of the
    // host record (PPO-KL's β): fields named as in the algorithm's state move into it.
    if (!host.algorithm) {
      host.algorithm = trainer.algorithms[a].initialState(trainer.configs[a]);
      for (const k of Object.keys(host.algorithm)) {
        if (typeof host[k] === 'number') host.algorithm[k] = host[k] as number;
        delete host[k];
      }
    }
    return host;
  });
}
