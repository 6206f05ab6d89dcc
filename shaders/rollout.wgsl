// The fused rollout: one invocation per environment runs T steps of actor and critic
// forward, on-GPU sampling, environment step, time limit, same-step autoreset and storage.
// No barriers and one dispatch per rollout. The module is composed in TS (src/train/rollout.ts):
//   generated constants (network tables, sizes) + env module + functions of matmul, rng,
//   categorical, gaussian + this file, keeping the `//! discrete` or `//! continuous` section.
// Constants the composition defines:
//   OBS_DIM, STATE_DIM, OUT_DIM (logits or means), ACT_DIM (1 for discrete), HMAX,
//   NET_LAYERS [2], NET_DIMS [2][MAXL+1], NET_W [2][MAXL], NET_B [2][MAXL] (net 0 actor, 1 critic),
//   LOGSTD_OFF (continuous), ACT_LOW / ACT_HIGH [ACT_DIM] (continuous), HIDDEN_ACT, HAS_CRITIC (false: no
//   value network, every value stored is 0), AGENTS, AGENT_COUNTS (AGENTS rounded up to 4); and the
//   structs RolloutParams and AgentRollout (src/train/rollout.ts).
// Agents (src/gpu/agents.ts): invocation g runs environment n = g % N of agent g / N, with that
// agent's parameters, trajectory, statistics, episode log and RNG seed (rp.agent* strides apart);
// environment state, books and sums are [agents · N, …] rows.

//! kernels

// Episode log: per agent the count of episodes ended in this rollout, then per agent up to
// logCapacity entries (f32 bits of the return, f32 bits of the length, t·N + n, unused).
// Integers are stored as u32 (not bitcast into f32) so no denormal flush can change them.
struct EpisodeLog { count: array<atomic<u32>, AGENT_COUNTS>, entries: array<vec4u> }

@group(0) @binding(0) var<uniform> rp: RolloutParams;
@group(0) @binding(1) var<storage, read> params: array<f32>;           // [agents][P] actor, critic, log-std
@group(0) @binding(2) var<storage, read_write> env_state: array<f32>;  // [agents · N, STATE_DIM]
@group(0) @binding(3) var<storage, read_write> env_book: array<f32>;   // [agents · N, 4]: episode step, episode return, discounted return, -
@group(0) @binding(4) var<storage, read_write> traj: array<f32>;       // [agents] sections: obs [T+1,N,OBS_DIM], actions [T,N,ACT_DIM],
                                                                        // logp [T,N], dist [T,N,OUT_DIM], values [T+1,N], rewards,
                                                                        // terminated, truncated (0/1), final values [T,N],
                                                                        // final observations [T,N,OBS_DIM] (rows where an episode ended),
                                                                        // valid [T,N] (episodic groups: 1 while the episode runs, 0 after)
@group(0) @binding(5) var<storage, read_write> episodes: EpisodeLog;
@group(0) @binding(6) var<storage, read_write> norm_stats: array<f32>; // [agents][NORM_STATS]: obs mean [OBS_DIM], obs var [OBS_DIM],
                                                                        // return mean, return var, obs count, return count
@group(0) @binding(7) var<storage, read_write> norm_acc: array<f32>;   // [agents · N, NORM_ACC]: this rollout's centred sums per env
@group(0) @binding(8) var<storage, read_write> act_out: array<f32>;    // [N, ACT_DIM] actions for a JS environment (policy_act)
@group(0) @binding(9) var<storage, read> params4: array<vec4f>;        // the params buffer again as vec4 (W and b offsets and the agent stride are 4-aligned)
@group(0) @binding(10) var<storage, read> agent_table: array<AgentRollout>;  // [agents]: RNG seed, reward scaler's discount

// Where this invocation's agent starts in each per-agent array, and its seed.
var<private> ag_params: u32;
var<private> ag_traj: u32;
var<private> ag_norm: u32;
var<private> agent_seed: u32;
var<private> agent_gamma: f32;
fn enter_agent(k: u32) {
  ag_params = k * rp.agentParams;
  ag_traj = k * rp.agentTraj;
  ag_norm = k * rp.agentNormStats;
  agent_seed = agent_table[k].seed;
  agent_gamma = agent_table[k].rewardGamma;
}

// Running statistics of observations and discounted returns (CleanRL's NormalizeObservation and
// NormalizeReward), frozen during a rollout and merged after it by update_norm_stats.
const NORM_STATS: u32 = 2u * OBS_DIM + 4u;
const NORM_ACC: u32 = 2u * OBS_DIM + 2u;   // Σ(x-μ), Σ(x-μ)² per obs component, then for the return

// Per-invocation activations as vec4s: input at [0, HMAX4), layers ping-pong between the halves.
const HMAX4: u32 = (HMAX + 3u) / 4u;
var<private> hv: array<vec4f, 2u * HMAX4>;
fn hget(i: u32) -> f32 { return hv[i / 4u][i % 4u]; }
fn hset(i: u32, x: f32) { hv[i / 4u][i % 4u] = x; }

// Runs network `net` on activations [0, dims[0]); returns the scalar offset of its output.
// Four outputs at a time accumulate in a register from vec4 weight rows (no private-memory
// read-modify-write per multiply-add, which SwiftShader executes as gathers and scatters);
// a layer whose width is not a multiple of 4 (the heads) goes one output at a time. With
// `together` (a constant at every call, so the branch folds away) the rows are read through
// weights4 (shaders/shared_weights.wgsl): only where every lane of the subgroup runs this
// forward of the same agent's network (SHARED_STEP_WEIGHTS, SHARED_ROW_WEIGHTS).
fn param4_row(i: u32, together: bool) -> vec4f {
  if (together) { return weights4(4u * i, 1u); }
  return params4[i];
}

fn mlp_forward(net: u32, together: bool) -> u32 {
  var src = 0u;
  var dst = 4u * HMAX4;
  let L = NET_LAYERS[net];
  for (var l = 0u; l < L; l++) {
    let din = NET_DIMS[net][l];
    let dout = NET_DIMS[net][l + 1u];
    let w = NET_W[net][l];
    let b = NET_B[net][l];
    let hidden = l + 1u < L;
    if (dout % 4u == 0u && din % 4u == 0u) {
      // 4 inputs × 4 outputs per iteration: one private vec4 read per 16 multiply-adds.
      let rows = dout / 4u;
      for (var o4 = 0u; o4 < rows; o4++) {
        var acc = param4_row((ag_params + b) / 4u + o4, together);
        var row = (ag_params + w) / 4u + o4;
        for (var i4 = 0u; i4 < din / 4u; i4++) {
          let x = hv[src / 4u + i4];
          acc += x.x * param4_row(row, together) + x.y * param4_row(row + rows, together) + x.z * param4_row(row + 2u * rows, together) + x.w * param4_row(row + 3u * rows, together);
          row += 4u * rows;
        }
        if (hidden) { acc = vec4f(activate(acc.x, HIDDEN_ACT), activate(acc.y, HIDDEN_ACT), activate(acc.z, HIDDEN_ACT), activate(acc.w, HIDDEN_ACT)); }
        hv[dst / 4u + o4] = acc;
      }
    } else if (dout % 4u == 0u) {
      for (var o4 = 0u; o4 < dout / 4u; o4++) {
        var acc = param4_row((ag_params + b) / 4u + o4, together);
        for (var i = 0u; i < din; i++) { acc += hget(src + i) * param4_row((ag_params + w + i * dout) / 4u + o4, together); }
        if (hidden) { acc = vec4f(activate(acc.x, HIDDEN_ACT), activate(acc.y, HIDDEN_ACT), activate(acc.z, HIDDEN_ACT), activate(acc.w, HIDDEN_ACT)); }
        hv[dst / 4u + o4] = acc;
      }
    } else {
      for (var o = 0u; o < dout; o++) {
        var acc = params[ag_params + b + o];
        for (var i = 0u; i < din; i++) { acc += hget(src + i) * params[ag_params + w + i * dout + o]; }
        if (hidden) { acc = activate(acc, HIDDEN_ACT); }
        hset(dst + o, acc);
      }
    }
    let t = src; src = dst; dst = t;
  }
  return src;
}

// Writes the (normalised) observation of s into activations [0, OBS_DIM), into traj at `base` if `store`,
// and into this rollout's statistics if `count` (once per step, so T observations per env).
fn load_obs(s: EnvState, base: u32, store: bool, count: bool) {
  for (var i = 0u; i < OBS_DIM; i++) {
    var x = env_observe(s, i);
    if (count && rp.obsNorm != 0u) {
      let c = x - norm_stats[ag_norm + i];
      obs_acc[i] += c;
      obs_acc[OBS_DIM + i] += c * c;
    }
    if (rp.obsNorm != 0u) { x = clamp((x - norm_stats[ag_norm + i]) / sqrt(norm_stats[ag_norm + OBS_DIM + i] + 1e-8), -10.0, 10.0); }
    hset(i, x);
    if (store) { traj[ag_traj + base + i] = x; }
  }
}

var<private> obs_acc: array<f32, NORM_ACC>;

fn critic_value(together: bool) -> f32 {
  if (!HAS_CRITIC) { return 0.0; }
  return hget(mlp_forward(1u, together));
}

fn reset_uniforms(n: u32, counter: u32, purpose: u32) -> vec4f {
  let x = rand4(agent_seed, n, counter, purpose);
  return vec4f(u01(x.x), u01(x.y), u01(x.z), u01(x.w));
}

// Output buffer for the sampled action's policy head (logits or means), read by the action sections.
var<private> head: array<f32, OUT_DIM>;

// Invocations per workgroup of the rollout and reset kernels (src/train/rollout.ts picks it per
// adapter): each invocation runs its own environment, so it changes only how they are spread.
override ROLLOUT_WG: u32 = 64u;
// false: the critic's values of rows 0..T are left to row_values, after the rollout and off its
// sequential step loop. The values that bootstrap truncated episodes stay here (their
// observations are not stored as rows).
override STEP_VALUES: bool = true;
// Whether the step loop's forward passes (continuing environments, N a multiple of the subgroup
// width: every lane in them, one agent per subgroup) and row_values' (one agent per subgroup)
// read their weights through weights4 (src/train/rollout.ts decides).
override SHARED_STEP_WEIGHTS: bool = false;
override SHARED_ROW_WEIGHTS: bool = false;

@compute @workgroup_size(ROLLOUT_WG)
fn rollout(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * ROLLOUT_WG;
  if (g >= rp.N * AGENTS) { return; }
  // With one agent (AGENTS a compiled constant) these fold to 0 and g.
  let agent = select(g / rp.N, 0u, AGENTS == 1u);
  let n = select(g % rp.N, g, AGENTS == 1u);
  enter_agent(agent);
  weights_enter();
  let N = rp.N;
  var s: EnvState;
  for (var k = 0u; k < STATE_DIM; k++) { s[k] = env_state[g * STATE_DIM + k]; }
  var ep_step = env_book[4u * g];
  var ep_return = env_book[4u * g + 1u];
  var disc_return = env_book[4u * g + 2u];
  for (var k = 0u; k < NORM_ACC; k++) { obs_acc[k] = 0.0; }
  // Episodic groups (GRPO): the G environments of group n / G all start this rollout from one
  // state, keyed by the group and the rollout's first counter, and run one episode each with
  // their own actions; it ends at the time limit or at step T. Rows after it are masked
  // (valid 0, zeros elsewhere) and no environment is reset inside the rollout.
  let episodic = rp.groupSize != 0u;
  var ended = false;
  if (episodic) {
    s = env_reset(reset_uniforms(n / rp.groupSize, rp.counterBase, 3u));
    ep_step = 0.0;
    ep_return = 0.0;
    disc_return = 0.0;
  }
  for (var t = 0u; t < rp.T; t++) {
    let i = t * N + n;
    let counter = rp.counterBase + t;
    if (ended) {
      store_masked_row(i);
      continue;
    }
    if (episodic) { traj[ag_traj + rp.offValid + i] = 1.0; }
    load_obs(s, rp.offObs + i * OBS_DIM, true, true);
    if (STEP_VALUES) {
      // Critic first (its output overwrites h), then the actor on a fresh copy of the observation.
      traj[ag_traj + rp.offValues + i] = critic_value(SHARED_STEP_WEIGHTS);
      load_obs(s, 0u, false, false);
    }
    let out = mlp_forward(0u, SHARED_STEP_WEIGHTS);
    for (var k = 0u; k < OUT_DIM; k++) { head[k] = hget(out + k); traj[ag_traj + rp.offDist + i * OUT_DIM + k] = head[k]; }
    let res = env_step(s, sample_action(i, n, counter));
    ep_step += 1.0;
    ep_return += res.reward;
    let terminated = res.terminated;
    let truncated = !terminated && (ep_step >= f32(rp.maxEpisodeSteps) || (episodic && t + 1u == rp.T));
    var reward = res.reward;
    if (rp.rewardNorm != 0u) {
      // NormalizeReward: scale by the std of the discounted return, then clip to ±10.
      disc_return = disc_return * agent_gamma + res.reward;
      let c = disc_return - norm_stats[ag_norm + 2u * OBS_DIM];
      obs_acc[2u * OBS_DIM] += c;
      obs_acc[2u * OBS_DIM + 1u] += c * c;
      reward = clamp(res.reward / sqrt(norm_stats[ag_norm + 2u * OBS_DIM + 1u] + 1e-8), -10.0, 10.0);
    }
    traj[ag_traj + rp.offRewards + i] = reward;
    traj[ag_traj + rp.offTerm + i] = select(0.0, 1.0, terminated);
    traj[ag_traj + rp.offTrunc + i] = select(0.0, 1.0, truncated);
    traj[ag_traj + rp.offFinalValues + i] = 0.0;
    if (terminated || truncated) {
      // Same-step autoreset: the ended episode's last observation is kept here.
      load_obs(res.state, rp.offFinalObs + i * OBS_DIM, true, false);
      if (truncated && rp.bootstrap != 0u) { traj[ag_traj + rp.offFinalValues + i] = critic_value(false); }
      let slot = atomicAdd(&episodes.count[agent], 1u);
      if (slot < rp.logCapacity) { episodes.entries[agent * rp.logCapacity + slot] = vec4u(bitcast<u32>(ep_return), bitcast<u32>(ep_step), i, 0u); }
      ended = episodic;
      if (episodic) { s = res.state; } else { s = env_reset(reset_uniforms(n, counter, 1u)); }
      ep_step = 0.0;
      ep_return = 0.0;
      disc_return = 0.0;
    } else {
      s = res.state;
    }
  }
  // Bootstrap row T: the observation and value after the last step.
  load_obs(s, rp.offObs + rp.T * N * OBS_DIM + n * OBS_DIM, true, false);
  if (STEP_VALUES) { traj[ag_traj + rp.offValues + rp.T * N + n] = critic_value(SHARED_STEP_WEIGHTS); }
  for (var k = 0u; k < STATE_DIM; k++) { env_state[g * STATE_DIM + k] = s[k]; }
  env_book[4u * g] = ep_step;
  env_book[4u * g + 1u] = ep_return;
  env_book[4u * g + 2u] = disc_return;
  for (var k = 0u; k < NORM_ACC; k++) { norm_acc[g * NORM_ACC + k] = obs_acc[k]; }
}

// The critic's value of every stored observation row 0..T of the rollout, one invocation per row
// and agent (values 'batched', src/train/rollout.ts): the step loop's forward on the observation
// it stored, so the values are the same bit for bit, but computed for all rows at once instead
// of one step after another.
@compute @workgroup_size(ROLLOUT_WG)
fn row_values(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let rows = (rp.T + 1u) * rp.N;
  // Invocations past the last row repeat it and store nothing, so every lane of a subgroup runs
  // the forward (SHARED_ROW_WEIGHTS).
  let lane_g = gid.x + gid.y * nwg.x * ROLLOUT_WG;
  let g = min(lane_g, rows * AGENTS - 1u);
  enter_agent(select(g / rows, 0u, AGENTS == 1u));
  weights_enter();
  let i = select(g % rows, g, AGENTS == 1u);
  for (var k = 0u; k < OBS_DIM; k++) { hset(k, traj[ag_traj + rp.offObs + i * OBS_DIM + k]); }
  let v = critic_value(SHARED_ROW_WEIGHTS);
  if (lane_g < rows * AGENTS) { traj[ag_traj + rp.offValues + i] = v; }
}

// A row of an environment whose episode ended earlier in this rollout (episodic groups).
fn store_masked_row(i: u32) {
  traj[ag_traj + rp.offValid + i] = 0.0;
  for (var k = 0u; k < OBS_DIM; k++) { traj[ag_traj + rp.offObs + i * OBS_DIM + k] = 0.0; }
  for (var k = 0u; k < ACT_DIM; k++) { traj[ag_traj + rp.offActions + i * ACT_DIM + k] = 0.0; }
  for (var k = 0u; k < OUT_DIM; k++) { traj[ag_traj + rp.offDist + i * OUT_DIM + k] = 0.0; }
  traj[ag_traj + rp.offLogp + i] = 0.0;
  traj[ag_traj + rp.offValues + i] = 0.0;
  traj[ag_traj + rp.offRewards + i] = 0.0;
  traj[ag_traj + rp.offTerm + i] = 0.0;
  traj[ag_traj + rp.offTrunc + i] = 0.0;
  traj[ag_traj + rp.offFinalValues + i] = 0.0;
}

// Merges this rollout's sums into the running statistics (Chan et al.'s parallel update),
// one invocation per statistic: obs components 0..OBS_DIM-1, then the return; agents along z.
@compute @workgroup_size(64)
fn update_norm_stats(@builtin(global_invocation_id) gid: vec3u) {
  let k = gid.x;
  if (k > OBS_DIM) { return; }
  enter_agent(gid.z);
  let rows = gid.z * rp.N;
  let is_ret = k == OBS_DIM;
  if (is_ret && rp.rewardNorm == 0u) { return; }
  if (!is_ret && rp.obsNorm == 0u) { return; }
  // T observations and T returns per env were summed in this rollout.
  let nb = f32(rp.N * rp.T);
  // Indices of this statistic's mean and var in norm_stats, and of its sums in norm_acc.
  let a = select(k, 2u * OBS_DIM, is_ret);
  let b = select(OBS_DIM + k, 2u * OBS_DIM + 1u, is_ret);
  let cnt = select(2u * OBS_DIM + 2u, 2u * OBS_DIM + 3u, is_ret);
  var s1 = 0.0;
  var s2 = 0.0;
  for (var n = rows; n < rows + rp.N; n++) { s1 += norm_acc[n * NORM_ACC + a]; s2 += norm_acc[n * NORM_ACC + b]; }
  let mean = norm_stats[ag_norm + a];
  let var_old = norm_stats[ag_norm + b];
  let count = norm_stats[ag_norm + cnt];
  let delta = s1 / nb;                     // batch mean minus running mean
  let batch_var = max(s2 / nb - delta * delta, 0.0);
  let total = count + nb;
  norm_stats[ag_norm + a] = mean + delta * nb / total;
  norm_stats[ag_norm + b] = (var_old * count + batch_var * nb + delta * delta * count * nb / total) / total;
  norm_stats[ag_norm + cnt] = total;
}

// One policy step for environments stepped outside the GPU (JS environments). The host wrote the
// raw observations of row t into traj; t arrives in `maxEpisodeSteps` (unused otherwise on this
// path: the JS environment does its own time limits). Row t = T only gets values (bootstrap).
// Actions go to act_out for the host; the continuous ones stored there are unclipped. One agent.
@compute @workgroup_size(64)
fn policy_act(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * 64u;
  if (n >= rp.N) { return; }
  enter_agent(0u);
  let t = rp.maxEpisodeSteps;  // the row this call fills
  let i = t * rp.N + n;
  for (var k = 0u; k < OBS_DIM; k++) {
    var x = traj[ag_traj + rp.offObs + i * OBS_DIM + k];
    if (rp.obsNorm != 0u) { x = clamp((x - norm_stats[ag_norm + k]) / sqrt(norm_stats[ag_norm + OBS_DIM + k] + 1e-8), -10.0, 10.0); }
    traj[ag_traj + rp.offObs + i * OBS_DIM + k] = x;
    hset(k, x);
  }
  traj[ag_traj + rp.offValues + i] = critic_value(false);
  if (t == rp.T) { return; }
  for (var k = 0u; k < OBS_DIM; k++) { hset(k, traj[ag_traj + rp.offObs + i * OBS_DIM + k]); }
  let out = mlp_forward(0u, false);
  for (var k = 0u; k < OUT_DIM; k++) { head[k] = hget(out + k); traj[ag_traj + rp.offDist + i * OUT_DIM + k] = head[k]; }
  _ = sample_action(i, n, rp.counterBase + t);
  for (var k = 0u; k < ACT_DIM; k++) { act_out[n * ACT_DIM + k] = traj[ag_traj + rp.offActions + i * ACT_DIM + k]; }
}

// Resets every environment (run once at the start of training; `counterBase` keys the draw).
@compute @workgroup_size(ROLLOUT_WG)
fn reset_all(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let g = gid.x + gid.y * nwg.x * ROLLOUT_WG;
  if (g >= rp.N * AGENTS) { return; }
  enter_agent(select(g / rp.N, 0u, AGENTS == 1u));
  let s = env_reset(reset_uniforms(select(g % rp.N, g, AGENTS == 1u), rp.counterBase, 2u));
  for (var k = 0u; k < STATE_DIM; k++) { env_state[g * STATE_DIM + k] = s[k]; }
  env_book[4u * g] = 0.0;
  env_book[4u * g + 1u] = 0.0;
  env_book[4u * g + 2u] = 0.0;
}

//! discrete
// Samples a ∼ Categorical(softmax(head)) (argmax when deterministic), stores it and its log-prob.
fn logit_at(r: u32, i: u32) -> f32 { return head[i]; }
fn old_logit_at(r: u32, i: u32) -> f32 { return head[i]; }

fn sample_action(i: u32, n: u32, counter: u32) -> u32 {
  let lse = cat_lse(0u, OUT_DIM);
  var a = cat_sample(0u, OUT_DIM, lse, u01(rand4(agent_seed, n, counter, 0u).x));
  if (rp.deterministic != 0u) {
    a = 0u;
    for (var k = 1u; k < OUT_DIM; k++) { if (head[k] > head[a]) { a = k; } }
  }
  traj[ag_traj + rp.offActions + i] = f32(a);
  traj[ag_traj + rp.offLogp + i] = head[a] - lse;
  return a;
}

//! continuous
// Samples a = μ + σ·n (μ when deterministic), stores the unclipped action and its log-density,
// and returns the action clipped to the action space for the env (CleanRL's ClipAction wrapper).
var<private> act_vec: array<f32, ACT_DIM>;
fn mean_at(r: u32, j: u32) -> f32 { return head[j]; }
fn old_mean_at(r: u32, j: u32) -> f32 { return head[j]; }
fn logstd_at(j: u32) -> f32 { return params[ag_params + LOGSTD_OFF + j]; }
fn old_logstd_at(j: u32) -> f32 { return params[ag_params + LOGSTD_OFF + j]; }
fn action_at(r: u32, j: u32) -> f32 { return act_vec[j]; }

fn sample_action(i: u32, n: u32, counter: u32) -> array<f32, ACT_DIM> {
  var clipped: array<f32, ACT_DIM>;
  for (var j = 0u; j < ACT_DIM; j += 4u) {
    let x = rand4(agent_seed, n, counter, 65536u * (j / 4u));
    let n01 = box_muller(u01(x.x), u01(x.y));
    let n23 = box_muller(u01(x.z), u01(x.w));
    let z = array<f32, 4>(n01.x, n01.y, n23.x, n23.y);
    for (var q = 0u; q < 4u && j + q < ACT_DIM; q++) {
      let a = head[j + q] + select(exp(logstd_at(j + q)) * z[q], 0.0, rp.deterministic != 0u);
      act_vec[j + q] = a;
      traj[ag_traj + rp.offActions + i * ACT_DIM + j + q] = a;
      clipped[j + q] = clamp(a, ACT_LOW[j + q], ACT_HIGH[j + q]);
    }
  }
  traj[ag_traj + rp.offLogp + i] = gauss_logp(0u, ACT_DIM);
  return clipped;
}
