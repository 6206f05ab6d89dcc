// TRPO's kernels beyond the shared ones (src/algos/trpo.ts), composed after shaders/train.wgsl in
// one module (its records, mb_* sections and bindings are in scope). With y the CG solution of
// H·y = ∇loss (so −y is the natural-gradient ascent direction of the surrogate):
//   trpo_candidates  sHs = yᵀ(H + λI)y; β = sqrt(2δ/sHs); candidate k = θ − shrink^k·β·y
//   trpo_select      the first candidate whose mean KL ≤ δ and whose surrogate improves on θ_old's
//   trpo_apply       θ ← the accepted candidate (θ stays when none was)
//   critic_loss      ½(V − R)² per sample and its derivative (the critic's own regression)
// TrpoParams { P, K, candStride, criticOff, criticSize, damping, maxKl, shrink } is generated
// (src/algos/trpo.ts); LS_* index the line-search state record, METRIC_* the update metrics.

//! kernels

@group(0) @binding(0) var<uniform> trp: TrpoParams;
@group(0) @binding(1) var<storage, read_write> trpo_params: array<f32>;  // [P] θ
@group(0) @binding(2) var<storage, read> cg_x: array<f32>;               // [P] y
@group(0) @binding(3) var<storage, read> cg_hx: array<f32>;              // [P] H·y (undamped)
@group(0) @binding(4) var<storage, read_write> candidates: array<f32>;   // [K, candStride] candidate parameter vectors
@group(0) @binding(5) var<storage, read_write> ls: array<f32>;           // [LS] line-search state (LS_*)
@group(0) @binding(6) var<storage, read> ls_stats: array<f32>;           // [K, DIAG_STRIDE] per-candidate diagnostic means
@group(0) @binding(7) var<storage, read_write> trpo_metrics: array<f32>; // [METRICS] the update metrics (METRIC_*)
@group(0) @binding(8) var<storage, read> cg_state: array<f32>;           // [4] CgState: rr, done, iterations, pq

var<workgroup> trpo_partial: array<f32, 256>;

fn is_critic(i: u32) -> bool { return i >= trp.criticOff && i < trp.criticOff + trp.criticSize; }

@compute @workgroup_size(256)
fn trpo_candidates(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < trp.P; i += 256u) { s += cg_x[i] * (cg_hx[i] + trp.damping * cg_x[i]); }
  trpo_partial[lid] = s;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k >>= 1u) {
    if (lid < k) { trpo_partial[lid] += trpo_partial[lid + k]; }
    workgroupBarrier();
  }
  let shs = trpo_partial[0];
  // A direction of no curvature (or a NaN) gives no step.
  let beta = select(0.0, sqrt(2.0 * trp.maxKl / shs), shs > 0.0);
  for (var i = lid; i < trp.P; i += 256u) {
    var coef = beta;
    for (var k = 0u; k < trp.K; k++) {
      candidates[k * trp.candStride + i] = select(trpo_params[i] - coef * cg_x[i], trpo_params[i], is_critic(i));
      coef *= trp.shrink;
    }
  }
  if (lid == 0u) { ls[LS_SHS] = shs; ls[LS_BETA] = beta; }
}

@compute @workgroup_size(1)
fn trpo_select() {
  // The loss is −surrogate: θ_old's from the update's own diagnostics, the candidates' from theirs.
  let base = trpo_metrics[METRIC_POLICY_LOSS];
  var accepted = -1.0;
  var kl = 0.0;
  var improvement = 0.0;
  for (var k = 0u; k < trp.K; k++) {
    let loss_k = ls_stats[k * DIAG_STRIDE + DIAG_POLICY_LOSS];
    let kl_k = ls_stats[k * DIAG_STRIDE + DIAG_AVERAGE_KLD];
    if (kl_k <= trp.maxKl && loss_k < base) { accepted = f32(k); kl = kl_k; improvement = base - loss_k; break; }
  }
  ls[LS_ACCEPTED] = accepted;
  trpo_metrics[METRIC_LINE_SEARCH_STEP] = accepted;
  trpo_metrics[METRIC_STEP_KL] = kl;
  trpo_metrics[METRIC_IMPROVEMENT] = improvement;
  trpo_metrics[METRIC_STEP_SIZE] = ls[LS_BETA];
  trpo_metrics[METRIC_CG_ITERATIONS] = cg_state[2];
  trpo_metrics[METRIC_CG_RESIDUAL] = cg_state[0];
}

@compute @workgroup_size(64)
fn trpo_apply(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 64u;
  if (i >= trp.P) { return; }
  let k = ls[LS_ACCEPTED];
  if (k < 0.0 || is_critic(i)) { return; }
  trpo_params[i] = candidates[u32(k) * trp.candStride + i];
}

@compute @workgroup_size(64)
fn critic_loss(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * 64u;
  let B = lp.B;
  if (b >= B) { return; }
  let vl = value_loss(value[b], mbr[mb_values(B) + b], mbr[mb_returns(B) + b], scalars[SCALAR_CLIP_COEF], CLIP_VALUE);
  dhead[b] = scalars[SCALAR_VF_COEF] * vl.y / f32(B);
  diag[b] = vl.x;
}
