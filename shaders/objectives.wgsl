// Policy objectives (maximised) and the value loss, per sample, with their derivatives.
// Each objective returns Obj: its value and the partial derivatives w.r.t. log π_θ(a|s)
// and w.r.t. the per-state KL d = KL(π_old(·|s)‖π_θ(·|s)). Chain rule to the distribution parameters:
//   dObj/dθ = dlogp · dlogπ/dθ + dkl · dKL/dθ.

struct Obj { value: f32, dlogp: f32, dkl: f32 }

// Each algorithm's objective, `fn objective(r, logp, adv, d, k: ObjectiveCoefs) -> Obj`, lives
// in shaders/algos/<name>.wgsl; src/gpu/compose.ts puts it, the ObjectiveCoefs struct its module
// declares, and `policy_objective` in front of the kernels that use it (train.wgsl,
// policy_objective.wgsl).

// Value loss (CleanRL): ½·max((V-R)², (V_old + clip(V-V_old, -ε, ε) - R)²) when clipping, else ½(V-R)².
// Returns (loss, dloss/dV).
fn value_loss(v: f32, v_old: f32, ret: f32, eps: f32, clip_on: bool) -> vec2f {
  let e = v - ret;
  if (!clip_on) { return vec2f(0.5 * e * e, e); }
  let vc = v_old + clamp(v - v_old, -eps, eps);
  let ec = vc - ret;
  if (e * e >= ec * ec) { return vec2f(0.5 * e * e, e); }
  let inside = abs(v - v_old) < eps;
  return vec2f(0.5 * ec * ec, select(0.0, ec, inside));
}

//! kernels

override CLIP_VALUE: bool = true;

// ValueParams { B, eps, scale } is generated (src/kernels/objectives.ts).
@group(0) @binding(0) var<uniform> vp: ValueParams;
@group(0) @binding(1) var<storage, read> v_new: array<f32>;          // [B]
@group(0) @binding(2) var<storage, read> v_old: array<f32>;          // [B]
@group(0) @binding(3) var<storage, read> returns: array<f32>;        // [B]
@group(0) @binding(4) var<storage, read_write> v_loss: array<f32>;   // [B] scale·loss
@group(0) @binding(5) var<storage, read_write> v_grad: array<f32>;   // [B] d(scale·loss)/dV

@compute @workgroup_size(64)
fn value_loss_kernel(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= vp.B) { return; }
  let lg = value_loss(v_new[i], v_old[i], returns[i], vp.eps, CLIP_VALUE);
  v_loss[i] = vp.scale * lg.x;
  v_grad[i] = vp.scale * lg.y;
}
