// GRPO's update kernels (src/algos/grpo.ts), over the packed trajectory of an episodic-group
// rollout (src/train/rollout.ts: each group of G environments started from one state, one
// episode each, rows after an episode's end masked by traj.valid):
//   grpo_refresh_reference  π_ref ← π_θ on the iterations the host flags (--ref-update-every)
//   grpo_ref_logp           log π_ref(a|s) of every sample, from π_ref's head over the batch
//   grpo_episode_returns    per environment: its episode's return R and length L
//   grpo_group_advantages   Â = (R − mean_g R) / (std_g R + 1e-4) on every valid step, 0 when the
//                           group's returns are all equal; per-step weight 1/L; group statistics
//   grpo_gather             the minibatch rows perm[b] of every field the loss reads
//   grpo_loss               per sample: the objective (clip or SPO), β·k3 KL to π_ref, entropy,
//                           weighted per episode, their gradients w.r.t. the policy head
// Composed by src/gpu/compose.ts (composeUpdateModule) with, in front: constants OBS_DIM,
// OUT_DIM, ACT_DIM, DIAG; the GrpoParams struct; the index constants SCALAR_* (the engine's
// per-iteration scalars) and DIAG_* (per-sample diagnostics) of src/algos/grpo.ts; the
// functions of objectives and categorical or gaussian; the objective (shaders/algos/grpo.wgsl)
// and `objective_coefs()`. The `//! discrete` or `//! continuous` section is kept.

//! kernels

// Dr. GRPO (Liu et al. 2025): the loss is the sum over valid steps over a constant, T per
// episode, instead of each episode's mean (DeepSeekMath, Shao et al. 2024).
override DR_GRPO: bool = false;
// Agents of the pass: with one, every agent offset below folds to 0 at pipeline creation.
override AGENTS: u32 = 1u;

@group(0) @binding(0) var<uniform> gp: GrpoParams;
@group(0) @binding(1) var<storage, read_write> traj: array<f32>;           // [agents] packed trajectory (group advantages write its adv section)
@group(0) @binding(2) var<storage, read> perm: array<u32>;                 // [agents][epochs, T·N] permutations
@group(0) @binding(3) var<storage, read_write> mb: array<f32>;             // [agents][B] rows of every section, see mb_*
@group(0) @binding(4) var<storage, read> params: array<f32>;               // [agents][P] π_θ (the log-std for Gaussian policies)
@group(0) @binding(5) var<storage, read> scalars: array<f32>;              // [agents][SCALARS] the engine's record (SCALAR_*): objective
                                                                            // coefficients (β, the refresh flag), clip ε, entropy coefficient,
                                                                            // log-std at collection [ACT_DIM]
@group(0) @binding(6) var<storage, read_write> dhead: array<f32>;          // [agents][B, OUT_DIM] dL/dhead, then [B, ACT_DIM] dL/dlogstd rows
@group(0) @binding(7) var<storage, read_write> diag: array<f32>;           // [agents][B, DIAG] per-sample diagnostics, weighted per episode
@group(0) @binding(8) var<storage, read_write> episode_weight: array<f32>; // [agents][T·N] 1/L on an episode's valid steps, 0 on masked ones
@group(0) @binding(9) var<storage, read_write> ref_logp: array<f32>;       // [agents][T·N] log π_ref(a|s)
@group(0) @binding(10) var<storage, read> ref_head: array<f32>;            // [agents][T·N, OUT_DIM] π_ref's logits or means
@group(0) @binding(11) var<storage, read> ref_params: array<f32>;          // [agents][P] π_ref (its log-std for Gaussian policies)
@group(0) @binding(12) var<storage, read_write> episode_stats: array<f32>; // [agents][N, 2] return R and length L of each environment's episode
@group(0) @binding(13) var<storage, read_write> group_stats: array<f32>;   // [agents][N / G, 2] population std of the group's returns, 1 if all equal
@group(0) @binding(14) var<storage, read> head: array<f32>;                // [agents][B, OUT_DIM] π_θ's logits or means on the minibatch
@group(0) @binding(15) var<storage, read_write> ref_params_rw: array<f32>; // [agents][P] π_ref, written by grpo_refresh_reference

// Minibatch sections (element offsets), B rows each.
fn mb_obs(b: u32) -> u32 { return b * OBS_DIM; }
fn mb_actions(B: u32) -> u32 { return B * OBS_DIM; }
fn mb_logp(B: u32) -> u32 { return B * (OBS_DIM + ACT_DIM); }
fn mb_dist(B: u32) -> u32 { return B * (OBS_DIM + ACT_DIM + 1u); }
fn mb_adv(B: u32) -> u32 { return B * (OBS_DIM + ACT_DIM + 1u + OUT_DIM); }
fn mb_weight(B: u32) -> u32 { return mb_adv(B) + B; }
fn mb_ref_logp(B: u32) -> u32 { return mb_adv(B) + 2u * B; }

fn flat_index(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * 64u; }

// Agents (src/gpu/agents.ts) run along workgroup z: each kernel first sets where agent z's copy
// of every per-agent array starts (GrpoParams.agent*: 0 for one agent). π_ref has the stride of
// the parameters.
var<private> ag_traj: u32;
var<private> ag_perm: u32;
var<private> ag_mb: u32;
var<private> ag_params: u32;  // params, ref_params, ref_params_rw
var<private> ag_scalars: u32;
var<private> ag_dhead: u32;
var<private> ag_diag: u32;
var<private> ag_episode_weight: u32;
var<private> ag_ref_logp: u32;
var<private> ag_ref_head: u32;
var<private> ag_episode_stats: u32;
var<private> ag_group_stats: u32;
var<private> ag_head: u32;
fn enter_agent(z: u32) {
  let k = min(z, AGENTS - 1u);
  ag_traj = k * gp.agentTraj; ag_perm = k * gp.agentPerm; ag_mb = k * gp.agentMb; ag_params = k * gp.agentParams;
  ag_scalars = k * gp.agentScalars; ag_dhead = k * gp.agentDhead; ag_diag = k * gp.agentDiag;
  ag_episode_weight = k * gp.agentEpisodeWeight; ag_ref_logp = k * gp.agentRefLogp; ag_ref_head = k * gp.agentRefHead;
  ag_episode_stats = k * gp.agentEpisodeStats; ag_group_stats = k * gp.agentGroupStats; ag_head = k * gp.agentHead;
}

@compute @workgroup_size(64)
fn grpo_refresh_reference(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let p = flat_index(gid, nwg);
  if (p >= gp.P || scalars[ag_scalars + SCALAR_COEF_REFRESH] == 0.0) { return; }
  ref_params_rw[ag_params + p] = params[ag_params + p];
}

@compute @workgroup_size(64)
fn grpo_episode_returns(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let n = flat_index(gid, nwg);
  if (n >= gp.N) { return; }
  var ret = 0.0;
  var len = 0.0;
  for (var t = 0u; t < gp.T; t++) {
    let i = t * gp.N + n;
    let v = traj[ag_traj + gp.offValid + i];
    ret += v * traj[ag_traj + gp.offRewards + i];
    len += v;
  }
  episode_stats[ag_episode_stats + 2u * n] = ret;
  episode_stats[ag_episode_stats + 2u * n + 1u] = len;
}

@compute @workgroup_size(64)
fn grpo_group_advantages(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let n = flat_index(gid, nwg);
  if (n >= gp.N) { return; }
  let G = gp.G;
  let first = (n / G) * G;
  var sum = 0.0;
  var lo = episode_stats[ag_episode_stats + 2u * first];
  var hi = lo;
  for (var k = 0u; k < G; k++) {
    let r = episode_stats[ag_episode_stats + 2u * (first + k)];
    sum += r;
    lo = min(lo, r);
    hi = max(hi, r);
  }
  let mean = sum / f32(G);
  var ss = 0.0;
  for (var k = 0u; k < G; k++) {
    let c = episode_stats[ag_episode_stats + 2u * (first + k)] - mean;
    ss += c * c;
  }
  let sd = sqrt(ss / f32(G));
  // Equal returns give exactly 0 (mean - R need not round to 0, and sd + 1e-4 would amplify it).
  let equal = lo == hi;
  let adv = select((episode_stats[ag_episode_stats + 2u * n] - mean) / (sd + 1e-4), 0.0, equal);
  let inv_len = 1.0 / max(episode_stats[ag_episode_stats + 2u * n + 1u], 1.0);
  for (var t = 0u; t < gp.T; t++) {
    let i = t * gp.N + n;
    let v = traj[ag_traj + gp.offValid + i];
    traj[ag_traj + gp.offAdv + i] = v * adv;
    episode_weight[ag_episode_weight + i] = v * inv_len;
  }
  if (n == first) {
    group_stats[ag_group_stats + 2u * (n / G)] = sd;
    group_stats[ag_group_stats + 2u * (n / G) + 1u] = select(0.0, 1.0, equal);
  }
}

@compute @workgroup_size(64)
fn grpo_gather(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let b = flat_index(gid, nwg);
  let B = gp.B;
  if (b >= B) { return; }
  let i = perm[ag_perm + gp.permOffset + b];
  for (var k = 0u; k < OBS_DIM; k++) { mb[ag_mb + mb_obs(b) + k] = traj[ag_traj + gp.offObs + i * OBS_DIM + k]; }
  for (var k = 0u; k < ACT_DIM; k++) { mb[ag_mb + mb_actions(B) + b * ACT_DIM + k] = traj[ag_traj + gp.offActions + i * ACT_DIM + k]; }
  mb[ag_mb + mb_logp(B) + b] = traj[ag_traj + gp.offLogp + i];
  for (var k = 0u; k < OUT_DIM; k++) { mb[ag_mb + mb_dist(B) + b * OUT_DIM + k] = traj[ag_traj + gp.offDist + i * OUT_DIM + k]; }
  mb[ag_mb + mb_adv(B) + b] = traj[ag_traj + gp.offAdv + i];
  mb[ag_mb + mb_weight(B) + b] = episode_weight[ag_episode_weight + i];
  mb[ag_mb + mb_ref_logp(B) + b] = ref_logp[ag_ref_logp + i];
}

// dLoss/d(log π_θ(a|s)), dLoss/dKL(π_old‖π_θ) and dLoss/dH of one sample, its weight included.
struct LossTerms { dlogp: f32, dkl: f32, dent: f32 }

// The per-sample loss  w·(−objective + β·k3 − entCoef·H), with k3 = π_ref/π_θ − log(π_ref/π_θ) − 1
// at the taken action, and its diagnostics. w is the sample's share of the iteration's loss:
// each episode's mean over its L valid steps, then the mean over episodes (DeepSeekMath), as a
// minibatch's sum: u·T/B with u = 1/L (the minibatch is B of the T·N samples); Dr. GRPO: 1/B.
fn loss_terms(b: u32, logp: f32, entropy: f32, d: f32) -> LossTerms {
  let B = gp.B;
  let u = mb[ag_mb + mb_weight(B) + b];
  let w = select(u * f32(gp.T), 1.0, DR_GRPO) / f32(B);
  let logp_old = mb[ag_mb + mb_logp(B) + b];
  let o = policy_objective(logp, logp_old, mb[ag_mb + mb_adv(B) + b], d, objective_coefs());
  let x = mb[ag_mb + mb_ref_logp(B) + b] - logp;   // log(π_ref/π_θ)
  let k3 = exp(x) - x - 1.0;
  let beta = scalars[ag_scalars + SCALAR_COEF_BETA];
  let lr = logp - logp_old;
  let r = exp(lr);
  // Diagnostics as per-episode means over valid steps, then over episodes (weight u·T, and the
  // colSum over the iteration's minibatches divides by T·N·epochs).
  let dw = u * f32(gp.T);
  diag[ag_diag + b * DIAG + DIAG_POLICY_LOSS] = -dw * o.value;
  diag[ag_diag + b * DIAG + DIAG_ENTROPY] = dw * entropy;
  diag[ag_diag + b * DIAG + DIAG_AVERAGE_KLD] = dw * d;
  diag[ag_diag + b * DIAG + DIAG_APPROX_KL] = dw * ((r - 1.0) - lr);
  diag[ag_diag + b * DIAG + DIAG_CLIPFRAC] = dw * select(0.0, 1.0, abs(r - 1.0) > scalars[ag_scalars + SCALAR_CLIP_COEF]);
  diag[ag_diag + b * DIAG + DIAG_MEAN_RATIO] = dw * r;
  diag[ag_diag + b * DIAG + DIAG_REF_KL] = dw * k3;
  // dk3/dlogp = 1 − π_ref/π_θ.
  return LossTerms(w * (-o.dlogp + beta * (1.0 - exp(x))), -w * o.dkl, -w * scalars[ag_scalars + SCALAR_ENT_COEF]);
}

// A masked row (after its episode ended) adds nothing: zero gradient and diagnostics, its
// inputs not even read. True if row b is one.
fn masked_row(b: u32) -> bool {
  if (mb[ag_mb + mb_weight(gp.B) + b] != 0.0) { return false; }
  clear_dhead_row(b);
  for (var k = 0u; k < DIAG; k++) { diag[ag_diag + b * DIAG + k] = 0.0; }
  return true;
}

//! discrete
fn logit_at(r: u32, i: u32) -> f32 { return head[ag_head + r * OUT_DIM + i]; }
fn old_logit_at(r: u32, i: u32) -> f32 { return mb[ag_mb + mb_dist(gp.B) + r * OUT_DIM + i]; }
fn clear_dhead_row(b: u32) { for (var i = 0u; i < OUT_DIM; i++) { dhead[ag_dhead + b * OUT_DIM + i] = 0.0; } }

@compute @workgroup_size(64)
fn grpo_ref_logp(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let i = flat_index(gid, nwg);
  if (i >= gp.T * gp.N) { return; }
  var m = ref_head[ag_ref_head + i * OUT_DIM];
  for (var k = 1u; k < OUT_DIM; k++) { m = max(m, ref_head[ag_ref_head + i * OUT_DIM + k]); }
  var s = 0.0;
  for (var k = 0u; k < OUT_DIM; k++) { s += exp(ref_head[ag_ref_head + i * OUT_DIM + k] - m); }
  let a = min(u32(traj[ag_traj + gp.offActions + i]), OUT_DIM - 1u);
  ref_logp[ag_ref_logp + i] = ref_head[ag_ref_head + i * OUT_DIM + a] - (m + log(s));
}

@compute @workgroup_size(64)
fn grpo_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let b = flat_index(gid, nwg);
  let B = gp.B;
  if (b >= B || masked_row(b)) { return; }
  let a = u32(mb[ag_mb + mb_actions(B) + b]);
  let lse = cat_lse(b, OUT_DIM);
  let olse = cat_old_lse(b, OUT_DIM);
  let logp = logit_at(b, a) - lse;
  let h = cat_entropy(b, OUT_DIM, lse);
  let d = cat_kl(b, OUT_DIM, lse, olse);
  let s = loss_terms(b, logp, h, d);
  for (var i = 0u; i < OUT_DIM; i++) {
    dhead[ag_dhead + b * OUT_DIM + i] = s.dlogp * cat_dlogp(b, i, a, lse) + s.dkl * cat_dkl(b, i, lse, olse) + s.dent * cat_dentropy(b, i, lse, h);
  }
}

//! continuous
fn mean_at(r: u32, j: u32) -> f32 { return head[ag_head + r * OUT_DIM + j]; }
fn old_mean_at(r: u32, j: u32) -> f32 { return mb[ag_mb + mb_dist(gp.B) + r * OUT_DIM + j]; }
fn action_at(r: u32, j: u32) -> f32 { return mb[ag_mb + mb_actions(gp.B) + r * ACT_DIM + j]; }
fn logstd_at(j: u32) -> f32 { return params[ag_params + gp.logstdOff + j]; }
// The log-std when the rollout was collected: the trainer copies it into scalars before the update.
fn old_logstd_at(j: u32) -> f32 { return scalars[ag_scalars + SCALAR_OLD_LOGSTD + j]; }
fn clear_dhead_row(b: u32) {
  for (var j = 0u; j < ACT_DIM; j++) { dhead[ag_dhead + b * OUT_DIM + j] = 0.0; dhead[ag_dhead + gp.B * OUT_DIM + b * ACT_DIM + j] = 0.0; }
}

@compute @workgroup_size(64)
fn grpo_ref_logp(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let i = flat_index(gid, nwg);
  if (i >= gp.T * gp.N) { return; }
  var s = 0.0;
  for (var j = 0u; j < ACT_DIM; j++) {
    let l = ref_params[ag_params + gp.logstdOff + j];
    let z = (traj[ag_traj + gp.offActions + i * ACT_DIM + j] - ref_head[ag_ref_head + i * OUT_DIM + j]) * exp(-l);
    s += -0.5 * z * z - l - HALF_LOG_2PI;
  }
  ref_logp[ag_ref_logp + i] = s;
}

@compute @workgroup_size(64)
fn grpo_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z);
  let b = flat_index(gid, nwg);
  let B = gp.B;
  if (b >= B || masked_row(b)) { return; }
  let logp = gauss_logp(b, ACT_DIM);
  let h = gauss_entropy(ACT_DIM);
  let d = gauss_kl(b, ACT_DIM);
  let s = loss_terms(b, logp, h, d);
  for (var j = 0u; j < ACT_DIM; j++) {
    dhead[ag_dhead + b * OUT_DIM + j] = s.dlogp * gauss_dlogp_dmean(b, j) + s.dkl * gauss_dkl_dmean(b, j);
    // dH/dℓ_j = 1.
    dhead[ag_dhead + B * OUT_DIM + b * ACT_DIM + j] = s.dlogp * gauss_dlogp_dlogstd(b, j) + s.dkl * gauss_dkl_dlogstd(b, j) + s.dent;
  }
}
