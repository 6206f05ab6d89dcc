// Policy objectives (maximised) and the value loss, per sample, with their derivatives.
// Each objective returns Obj: its value and the partial derivatives w.r.t. log π_θ(a|s)
// and w.r.t. the per-state KL d (SPEC §3). Chain rule to the distribution parameters:
//   dObj/dθ = dlogp · dlogπ/dθ + dkl · dKL/dθ.

struct Obj { value: f32, dlogp: f32, dkl: f32 }

// Algorithm codes (ALGO): 0 ppo (clip), 1 ppo-kl, 2 spo-kl, 3 spo, 4 a2c.

// min(r·Â, clip(r, 1-ε, 1+ε)·Â); gradient is zero where the clipped branch is the minimum.
fn obj_ppo_clip(r: f32, adv: f32, eps: f32) -> Obj {
  let unclipped = r * adv;
  let clipped = clamp(r, 1.0 - eps, 1.0 + eps) * adv;
  if (unclipped <= clipped) { return Obj(unclipped, adv * r, 0.0); }
  return Obj(clipped, 0.0, 0.0);
}

// r·Â - β·d
fn obj_ppo_kl(r: f32, adv: f32, d: f32, beta: f32) -> Obj {
  return Obj(r * adv - beta * d, adv * r, -beta);
}

// r·Â·(clip(d,0,d_max)/d + σ - 1)·σ, with clip(d,0,d_max)/d written select(1, d_max/d, d > d_max):
// the same value and gradient, exact at d = 0.
fn obj_spo_kl(r: f32, adv: f32, d: f32, dmax: f32) -> Obj {
  let sigma = sign(adv);
  let over = d > dmax;
  let f = select(1.0, dmax / d, over);
  let df = select(0.0, -dmax / (d * d), over);
  let w = (f + sigma - 1.0) * sigma;
  return Obj(r * adv * w, adv * w * r, r * adv * df * sigma);
}

// r·Â - |Â|/(2ε)·(r-1)²
fn obj_spo(r: f32, adv: f32, eps: f32) -> Obj {
  let dr = adv - abs(adv) / eps * (r - 1.0);
  return Obj(r * adv - abs(adv) / (2.0 * eps) * (r - 1.0) * (r - 1.0), dr * r, 0.0);
}

// log π(a|s)·Â
fn obj_a2c(logp: f32, adv: f32) -> Obj {
  return Obj(logp * adv, adv, 0.0);
}

fn policy_objective(algo: u32, logp: f32, logp_old: f32, adv: f32, d: f32, eps: f32, beta: f32, dmax: f32) -> Obj {
  let r = exp(logp - logp_old);
  switch algo {
    case 0u: { return obj_ppo_clip(r, adv, eps); }
    case 1u: { return obj_ppo_kl(r, adv, d, beta); }
    case 2u: { return obj_spo_kl(r, adv, d, dmax); }
    case 3u: { return obj_spo(r, adv, eps); }
    default: { return obj_a2c(logp, adv); }
  }
}

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

override ALGO: u32 = 0u;
override CLIP_VALUE: bool = true;

struct ObjectiveParams {
  B: u32, _pad0: u32, _pad1: u32, _pad2: u32,
  eps: f32, beta: f32, dmax: f32, scale: f32,   // scale: 1/B for the mean; the loss is -scale·Σ obj
}

@group(0) @binding(0) var<uniform> p: ObjectiveParams;
@group(0) @binding(1) var<storage, read> logp: array<f32>;        // [B] log π_θ(a|s)
@group(0) @binding(2) var<storage, read> logp_old: array<f32>;    // [B]
@group(0) @binding(3) var<storage, read> adv: array<f32>;         // [B] (already normalised)
@group(0) @binding(4) var<storage, read> kl: array<f32>;          // [B] per-state KL(π_old‖π_θ)
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;  // [B] per-sample loss, -scale·obj
@group(0) @binding(6) var<storage, read_write> grads: array<f32>; // [B, 2]: d loss/d logp, d loss/d kl
@group(0) @binding(7) var<storage, read_write> diag: array<f32>;  // [B, 3]: k3 approx-KL, clipped (0/1), ratio

@compute @workgroup_size(64)
fn policy_objective_kernel(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.B) { return; }
  let o = policy_objective(ALGO, logp[i], logp_old[i], adv[i], kl[i], p.eps, p.beta, p.dmax);
  loss[i] = -p.scale * o.value;
  grads[2u * i] = -p.scale * o.dlogp;
  grads[2u * i + 1u] = -p.scale * o.dkl;
  let lr = logp[i] - logp_old[i];
  let r = exp(lr);
  diag[3u * i] = (r - 1.0) - lr;
  diag[3u * i + 1u] = select(0.0, 1.0, abs(r - 1.0) > p.eps);
  diag[3u * i + 2u] = r;
}

struct ValueParams { B: u32, _pad0: u32, eps: f32, scale: f32 }
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
