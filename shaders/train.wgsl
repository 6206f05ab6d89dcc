// The trainer's fused kernels over the packed trajectory buffer (src/train/rollout.ts layout):
//   gae_traj            GAE (shaders/gae.wgsl) over traj, writing its advantage/return sections
//   explained_variance  Var(R) and Var(R - V) over the whole batch, one workgroup
//   gather_minibatch    copies the rows perm[b] of every field the update needs into mb
//   policy_value_loss   per sample: objective (shaders/objectives.wgsl), value loss, entropy,
//                       per-state KL, their gradients w.r.t. the policy head and value, diagnostics
//   heads_and_loss      per sample: the actor's and critic's output layers from their last hidden
//                       layers, policy_value_loss, and the gradients of the loss w.r.t. the output
//                       layers' inputs (the on-policy plan: five dispatches' work in one)
// Composed by src/gpu/compose.ts (trainModule) with, in front: constants OBS_DIM, OUT_DIM,
// ACT_DIM; the generated TrainParams struct and the index constants of the shared records
// SCALAR_* (the engine's per-iteration scalars), DIAG_* (per-sample diagnostics, DIAG of them)
// and METRIC_* (the update metrics) declared in src/algos/on_policy.ts and src/train/trainer.ts;
// the functions of gae, objectives, matmul (activations) and categorical or gaussian; the
// algorithm's objective and `objective_coefs()`; and the output layers' shapes HEAD_IN_ACTOR,
// HEAD_W_ACTOR, HEAD_B_ACTOR, HEAD_DX_ACTOR (and _CRITIC): each output layer's input width, the
// element offsets of its W [in, out] and b in the parameters, and whether its input is a hidden
// layer (whose gradient the backward pass needs) rather than the observation. The
// `//! discrete` or `//! continuous` section is kept.

//! kernels

override CLIP_VALUE: bool = true;
override NORM_ADV: bool = true;
override BOOTSTRAP_TRUNCATION: bool = false;
// Activation code (shaders/matmul.wgsl) of the hidden layers that feed the output layers.
override HIDDEN_ACT: u32 = 1u;
// Agents of the pass: with one, every agent offset below folds to 0 at pipeline creation.
override AGENTS: u32 = 1u;

// Agents (src/gpu/agents.ts) run along workgroup z: each kernel first sets the element where
// agent z's copy of every per-agent array starts (TrainParams.agent*: 0 for a shared array).
var<private> ag_traj: u32;  // into traj
var<private> ag_perm: u32;  // into perm
var<private> ag_mb: u32;  // into mb
var<private> ag_metrics: u32;  // into metrics
var<private> ag_scalars: u32;  // into scalars
var<private> ag_params: u32;  // into params
var<private> ag_head: u32;  // into head
var<private> ag_value: u32;  // into value
var<private> ag_dhead: u32;  // into dhead
var<private> ag_diag: u32;  // into diag
var<private> ag_hid_actor: u32;  // into hid_actor
var<private> ag_hid_critic: u32;  // into hid_critic
var<private> ag_dhid: u32;  // into dhid
fn enter_agent(z: u32, u: TrainParams) {
  let k = min(z, AGENTS - 1u);
  ag_traj = k * u.agentTraj; ag_perm = k * u.agentPerm; ag_mb = k * u.agentMb; ag_metrics = k * u.agentMetrics; ag_scalars = k * u.agentScalars;
  ag_params = k * u.agentParams; ag_head = k * u.agentHead; ag_value = k * u.agentValue; ag_dhead = k * u.agentDhead; ag_diag = k * u.agentDiag;
  ag_hid_actor = k * u.agentHidActor; ag_hid_critic = k * u.agentHidCritic; ag_dhid = k * u.agentDhid;
}

// Minibatch buffer sections (element offsets), B rows each.
fn mb_obs(b: u32) -> u32 { return b * OBS_DIM; }
fn mb_actions(B: u32) -> u32 { return B * OBS_DIM; }
fn mb_logp(B: u32) -> u32 { return B * (OBS_DIM + ACT_DIM); }
fn mb_dist(B: u32) -> u32 { return B * (OBS_DIM + ACT_DIM + 1u); }
fn mb_adv(B: u32) -> u32 { return B * (OBS_DIM + ACT_DIM + 1u + OUT_DIM); }
fn mb_returns(B: u32) -> u32 { return mb_adv(B) + B; }
fn mb_values(B: u32) -> u32 { return mb_adv(B) + 2u * B; }

@group(0) @binding(0) var<uniform> tp: TrainParams;
@group(0) @binding(1) var<storage, read_write> traj: array<f32>;      // [agents] packed trajectory (gae_traj writes adv/returns)
@group(0) @binding(2) var<storage, read> perm: array<u32>;            // [agents][epochs, T·N] permutations
@group(0) @binding(3) var<storage, read_write> mb: array<f32>;        // [agents] minibatch sections, see mb_*
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>;   // [agents][METRICS]: diagnostic means, Var(R), Var(R - V)

// ---- GAE over the packed trajectory
fn gae_reward(i: u32) -> f32 { return traj[ag_traj + tp.offRewards + i]; }
fn gae_value(i: u32) -> f32 { return traj[ag_traj + tp.offValues + i]; }
fn gae_terminated(i: u32) -> bool { return traj[ag_traj + tp.offTerm + i] != 0.0; }
fn gae_truncated(i: u32) -> bool { return traj[ag_traj + tp.offTrunc + i] != 0.0; }
fn gae_final_value(i: u32) -> f32 { return traj[ag_traj + tp.offFinalValues + i]; }
fn gae_store(i: u32, adv: f32, ret: f32) { traj[ag_traj + tp.offAdv + i] = adv; traj[ag_traj + tp.offReturns + i] = ret; }

@compute @workgroup_size(64)
fn gae_traj(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z, tp);
  let n = gid.x + gid.y * nwg.x * 64u;
  if (n >= tp.N) { return; }
  gae_env(n, tp.T, tp.N, scalars[ag_scalars + SCALAR_GAMMA], scalars[ag_scalars + SCALAR_GAE_LAMBDA], BOOTSTRAP_TRUNCATION);
}

// ---- explained variance of the old values for the GAE returns (CleanRL's diagnostic)
var<workgroup> red: array<vec4f, 64>;

@compute @workgroup_size(64)
fn explained_variance(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3u) {
  enter_agent(wid.z, tp);
  let M = tp.T * tp.N;
  // Sums of R, R², (R - V), (R - V)² for the two variances.
  var s = vec4f(0.0);
  for (var i = lid; i < M; i += 64u) {
    let r = traj[ag_traj + tp.offReturns + i];
    let e = r - traj[ag_traj + tp.offValues + i];
    s += vec4f(r, r * r, e, e * e);
  }
  red[lid] = s;
  workgroupBarrier();
  for (var k = 32u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let t = red[0];
    let m = f32(M);
    let var_r = t.y / m - (t.x / m) * (t.x / m);
    let var_e = t.w / m - (t.z / m) * (t.z / m);
    // The host forms 1 - var_e/var_r (NaN when var_r is 0, as CleanRL's np.nan).
    metrics[ag_metrics + METRIC_VAR_RETURNS] = var_r;
    metrics[ag_metrics + METRIC_VAR_RESIDUAL] = var_e;
  }
}

// ---- minibatch gather
@compute @workgroup_size(64)
fn gather_minibatch(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z, tp);
  let b = gid.x + gid.y * nwg.x * 64u;
  let B = tp.B;
  if (b >= B) { return; }
  let i = perm[ag_perm + tp.permOffset + b];
  for (var k = 0u; k < OBS_DIM; k++) { mb[ag_mb + mb_obs(b) + k] = traj[ag_traj + tp.offObs + i * OBS_DIM + k]; }
  for (var k = 0u; k < ACT_DIM; k++) { mb[ag_mb + mb_actions(B) + b * ACT_DIM + k] = traj[ag_traj + tp.offActions + i * ACT_DIM + k]; }
  mb[ag_mb + mb_logp(B) + b] = traj[ag_traj + tp.offLogp + i];
  for (var k = 0u; k < OUT_DIM; k++) { mb[ag_mb + mb_dist(B) + b * OUT_DIM + k] = traj[ag_traj + tp.offDist + i * OUT_DIM + k]; }
  mb[ag_mb + mb_adv(B) + b] = traj[ag_traj + tp.offAdv + i];
  mb[ag_mb + mb_returns(B) + b] = traj[ag_traj + tp.offReturns + i];
  mb[ag_mb + mb_values(B) + b] = traj[ag_traj + tp.offValues + i];
}

// ---- per-sample losses; bindings of this entry point only
@group(0) @binding(0) var<uniform> lp: TrainParams;
@group(0) @binding(1) var<storage, read> mbr: array<f32>;          // [agents] minibatch sections (read)
@group(0) @binding(2) var<storage, read_write> head: array<f32>;   // [agents][B, OUT_DIM] actor output: logits or means (heads_and_loss writes it)
@group(0) @binding(3) var<storage, read_write> value: array<f32>;  // [agents][B] critic output (heads_and_loss writes it)
@group(0) @binding(4) var<storage, read> params: array<f32>;       // [agents][P] (log-std for Gaussian policies)
@group(0) @binding(5) var<storage, read> scalars: array<f32>;      // [agents][SCALARS] the engine's record (SCALAR_*): learning rate,
                                                                    // advantage sum/mean/unbiased var (col_stats), objective
                                                                    // coefficients, the agent's hyperparameters, log-std at
                                                                    // collection time [ACT_DIM]; gae_traj binds it too
@group(0) @binding(6) var<storage, read_write> dhead: array<f32>;  // [agents][B, OUT_DIM] dL/dhead, then [B] dL/dV, then [B, ACT_DIM] dL/dlogstd rows
@group(0) @binding(7) var<storage, read_write> diag: array<f32>;   // [agents][B, DIAG]
// heads_and_loss only:
@group(0) @binding(8) var<storage, read> hid_actor: array<f32>;    // [agents] at offHidActor: [B, HEAD_IN_ACTOR] the actor output layer's input
@group(0) @binding(9) var<storage, read> hid_critic: array<f32>;   // [agents] at offHidCritic: [B, HEAD_IN_CRITIC] the critic output layer's input
@group(0) @binding(10) var<storage, read_write> dhid: array<f32>;  // [agents] at offDhidActor: [B, HEAD_IN_ACTOR], at offDhidCritic:
                                                                    // [B, HEAD_IN_CRITIC] d(loss)/d(those inputs) through their activation

fn normalized_advantage(b: u32) -> f32 {
  let a = mbr[ag_mb + mb_adv(lp.B) + b];
  if (!NORM_ADV) { return a; }
  return (a - scalars[ag_scalars + SCALAR_ADV_MEAN]) / (sqrt(scalars[ag_scalars + SCALAR_ADV_VAR]) + 1e-8);
}

// Value loss, its gradient, and the per-sample diagnostics.
fn finish_sample(b: u32, o: Obj, logp: f32, entropy: f32, d: f32) {
  let B = lp.B;
  let vl = value_loss(value[ag_value + b], mbr[ag_mb + mb_values(B) + b], mbr[ag_mb + mb_returns(B) + b], scalars[ag_scalars + SCALAR_CLIP_COEF], CLIP_VALUE);
  dhead[ag_dhead + B * OUT_DIM + b] = scalars[ag_scalars + SCALAR_VF_COEF] * vl.y / f32(B);
  let lr = logp - mbr[ag_mb + mb_logp(B) + b];
  let r = exp(lr);
  diag[ag_diag + b * DIAG + DIAG_POLICY_LOSS] = -o.value;
  diag[ag_diag + b * DIAG + DIAG_VALUE_LOSS] = vl.x;
  diag[ag_diag + b * DIAG + DIAG_ENTROPY] = entropy;
  diag[ag_diag + b * DIAG + DIAG_AVERAGE_KLD] = d;
  diag[ag_diag + b * DIAG + DIAG_APPROX_KL] = (r - 1.0) - lr;
  diag[ag_diag + b * DIAG + DIAG_CLIPFRAC] = select(0.0, 1.0, abs(r - 1.0) > scalars[ag_scalars + SCALAR_CLIP_COEF]);
  diag[ag_diag + b * DIAG + DIAG_MEAN_RATIO] = r;
}

// 0 + x as the dX matmul's one-term sum computes it (x, with -0 as +0), where a compiler could fold
// a literal 0 + x to x.
fn zero_plus(x: vec4f) -> vec4f { return select(x, vec4f(0.0), x == vec4f(0.0)); }

// Four input gradients d(loss)/d(input) from d(loss)/d(pre-activation sum) `acc` and the inputs'
// activations `h`, into dhid from element d.
fn store_input_grads(d: u32, acc: vec4f, h: vec4f) {
  dhid[d] = acc.x * activate_grad_from_output(h.x, HIDDEN_ACT);
  dhid[d + 1u] = acc.y * activate_grad_from_output(h.y, HIDDEN_ACT);
  dhid[d + 2u] = acc.z * activate_grad_from_output(h.z, HIDDEN_ACT);
  dhid[d + 3u] = acc.w * activate_grad_from_output(h.w, HIDDEN_ACT);
}

// The actor's and critic's output layers, the loss (sample_loss), and the loss's gradient w.r.t.
// the output layers' inputs gated by their activation: what the output layers' forward matmuls,
// policy_value_loss and the output layers' dX matmuls compute, with every sum in the same order
// (k from 0, then the bias), so the same bits. The output layers' weight gradients remain
// matmuls: they sum over the rows.
@compute @workgroup_size(64)
fn heads_and_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z, lp);
  let B = lp.B;
  // Rows past B repeat the last row's reads and store nothing, so that every lane of a subgroup
  // reads the weights together (shaders/shared_weights.wgsl).
  let lane_row = gid.x + gid.y * nwg.x * 64u;
  let b = min(lane_row, B - 1u);
  let own = lane_row < B;
  weights_enter();
  let xa = ag_hid_actor + lp.offHidActor + b * HEAD_IN_ACTOR;
  let xc = ag_hid_critic + lp.offHidCritic + b * HEAD_IN_CRITIC;
  let wa = ag_params + HEAD_W_ACTOR;
  let wc = ag_params + HEAD_W_CRITIC;
  for (var o = 0u; o < OUT_DIM; o++) {
    var acc = 0.0;
    var j = 0u;
    for (; j + 4u <= HEAD_IN_ACTOR; j += 4u) {
      let w = weights4(wa + j * OUT_DIM + o, OUT_DIM);
      acc += hid_actor[xa + j] * w.x;
      acc += hid_actor[xa + j + 1u] * w.y;
      acc += hid_actor[xa + j + 2u] * w.z;
      acc += hid_actor[xa + j + 3u] * w.w;
    }
    for (; j < HEAD_IN_ACTOR; j++) { acc += hid_actor[xa + j] * params[wa + j * OUT_DIM + o]; }
    if (own) { head[ag_head + b * OUT_DIM + o] = acc + params[ag_params + HEAD_B_ACTOR + o]; }
  }
  var v = 0.0;
  var j = 0u;
  for (; j + 4u <= HEAD_IN_CRITIC; j += 4u) {
    let w = weights4(wc + j, 1u);
    v += hid_critic[xc + j] * w.x;
    v += hid_critic[xc + j + 1u] * w.y;
    v += hid_critic[xc + j + 2u] * w.z;
    v += hid_critic[xc + j + 3u] * w.w;
  }
  for (; j < HEAD_IN_CRITIC; j++) { v += hid_critic[xc + j] * params[wc + j]; }
  if (own) {
    value[ag_value + b] = v + params[ag_params + HEAD_B_CRITIC];
    sample_loss(b);
  }
  // d(loss)/d(input j) = Σ_o dhead[o]·W[j, o], four inputs at a time, through the activation.
  if (HEAD_DX_ACTOR) {
    let da = ag_dhid + lp.offDhidActor + b * HEAD_IN_ACTOR;
    var j = 0u;
    for (; j + 4u <= HEAD_IN_ACTOR; j += 4u) {
      var acc = vec4f(0.0);
      for (var o = 0u; o < OUT_DIM; o++) { acc += dhead[ag_dhead + b * OUT_DIM + o] * weights4(wa + j * OUT_DIM + o, OUT_DIM); }
      if (own) { store_input_grads(da + j, acc, vec4f(hid_actor[xa + j], hid_actor[xa + j + 1u], hid_actor[xa + j + 2u], hid_actor[xa + j + 3u])); }
    }
    for (; j < HEAD_IN_ACTOR; j++) {
      var acc = 0.0;
      for (var o = 0u; o < OUT_DIM; o++) { acc += dhead[ag_dhead + b * OUT_DIM + o] * params[wa + j * OUT_DIM + o]; }
      if (own) { dhid[da + j] = acc * activate_grad_from_output(hid_actor[xa + j], HIDDEN_ACT); }
    }
  }
  if (HEAD_DX_CRITIC) {
    let dv = dhead[ag_dhead + B * OUT_DIM + b];
    let dc = ag_dhid + lp.offDhidCritic + b * HEAD_IN_CRITIC;
    var j = 0u;
    for (; j + 4u <= HEAD_IN_CRITIC; j += 4u) {
      let acc = zero_plus(dv * weights4(wc + j, 1u));
      if (own) { store_input_grads(dc + j, acc, vec4f(hid_critic[xc + j], hid_critic[xc + j + 1u], hid_critic[xc + j + 2u], hid_critic[xc + j + 3u])); }
    }
    for (; j < HEAD_IN_CRITIC; j++) {
      let acc = zero_plus(vec4f(dv * params[wc + j])).x;
      if (own) { dhid[dc + j] = acc * activate_grad_from_output(hid_critic[xc + j], HIDDEN_ACT); }
    }
  }
}

//! discrete
fn logit_at(r: u32, i: u32) -> f32 { return head[ag_head + r * OUT_DIM + i]; }
fn old_logit_at(r: u32, i: u32) -> f32 { return mbr[ag_mb + mb_dist(lp.B) + r * OUT_DIM + i]; }

@compute @workgroup_size(64)
fn policy_value_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z, lp);
  let b = gid.x + gid.y * nwg.x * 64u;
  if (b >= lp.B) { return; }
  sample_loss(b);
}

// Row b's loss terms, their gradients w.r.t. its head and value (dhead), and its diagnostics.
fn sample_loss(b: u32) {
  let B = lp.B;
  let a = u32(mbr[ag_mb + mb_actions(B) + b]);
  let lse = cat_lse(b, OUT_DIM);
  let olse = cat_old_lse(b, OUT_DIM);
  let logp = logit_at(b, a) - lse;
  let h = cat_entropy(b, OUT_DIM, lse);
  let d = cat_kl(b, OUT_DIM, lse, olse);
  let o = policy_objective(logp, mbr[ag_mb + mb_logp(B) + b], normalized_advantage(b), d, objective_coefs());
  // loss = -obj/B - entCoef·H/B (+ value term)
  let s = 1.0 / f32(B);
  for (var i = 0u; i < OUT_DIM; i++) {
    dhead[ag_dhead + b * OUT_DIM + i] = -s * (o.dlogp * cat_dlogp(b, i, a, lse) + o.dkl * cat_dkl(b, i, lse, olse))
                             - s * scalars[ag_scalars + SCALAR_ENT_COEF] * cat_dentropy(b, i, lse, h);
  }
  finish_sample(b, o, logp, h, d);
}

//! continuous
fn mean_at(r: u32, j: u32) -> f32 { return head[ag_head + r * OUT_DIM + j]; }
fn old_mean_at(r: u32, j: u32) -> f32 { return mbr[ag_mb + mb_dist(lp.B) + r * OUT_DIM + j]; }
fn action_at(r: u32, j: u32) -> f32 { return mbr[ag_mb + mb_actions(lp.B) + r * ACT_DIM + j]; }
fn logstd_at(j: u32) -> f32 { return params[ag_params + lp.logstdOff + j]; }
// The log-std when the rollout was collected: the trainer copies it into scalars before the update.
fn old_logstd_at(j: u32) -> f32 { return scalars[ag_scalars + SCALAR_OLD_LOGSTD + j]; }

@compute @workgroup_size(64)
fn policy_value_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  enter_agent(gid.z, lp);
  let b = gid.x + gid.y * nwg.x * 64u;
  if (b >= lp.B) { return; }
  sample_loss(b);
}

// Row b's loss terms, their gradients w.r.t. its head, value and log-std (dhead), and its diagnostics.
fn sample_loss(b: u32) {
  let B = lp.B;
  let logp = gauss_logp(b, ACT_DIM);
  let h = gauss_entropy(ACT_DIM);
  let d = gauss_kl(b, ACT_DIM);
  let o = policy_objective(logp, mbr[ag_mb + mb_logp(B) + b], normalized_advantage(b), d, objective_coefs());
  let s = 1.0 / f32(B);
  for (var j = 0u; j < ACT_DIM; j++) {
    dhead[ag_dhead + b * OUT_DIM + j] = -s * (o.dlogp * gauss_dlogp_dmean(b, j) + o.dkl * gauss_dkl_dmean(b, j));
    // dH/dℓ = 1 for every row.
    dhead[ag_dhead + B * (OUT_DIM + 1u) + b * ACT_DIM + j] = -s * (o.dlogp * gauss_dlogp_dlogstd(b, j) + o.dkl * gauss_dkl_dlogstd(b, j)) - s * scalars[ag_scalars + SCALAR_ENT_COEF];
  }
  finish_sample(b, o, logp, h, d);
}
