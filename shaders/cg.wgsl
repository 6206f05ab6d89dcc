// Conjugate gradient for (A + λI)·x = b on the GPU, one dispatch per iteration and no host
// round trip (TRPO's natural-gradient direction, Schulman et al. 2015, appendix C). The product A·p comes from the
// caller's dispatches between steps (for TRPO the Fisher-vector product, src/nn/fvp.ts).
//   cg_init  x = 0, r = p = b, rr = bᵀb, done = rr < tol
//   cg_step  q = A·p + λp; α = rr/pᵀq; x += α·p; r -= α·q; rr' = rᵀr; p = r + (rr'/rr)·p;
//            done once rr' < tol (later steps leave x unchanged)
// One workgroup of 256 invocations loops over the n entries: n is a parameter vector (~10⁴).
// CgParams { n, damping λ, tol } is generated from its declaration in src/kernels/cg.ts.

//! kernels

struct CgState { rr: f32, done: f32, iterations: f32, pq: f32 }

@group(0) @binding(0) var<uniform> cp: CgParams;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;     // [n] the solution
@group(0) @binding(2) var<storage, read_write> r: array<f32>;     // [n] the residual b − (A + λI)·x
@group(0) @binding(3) var<storage, read_write> p: array<f32>;     // [n] the search direction
@group(0) @binding(4) var<storage, read> ap: array<f32>;          // [n] A·p (cg_step), b (cg_init)
@group(0) @binding(5) var<storage, read_write> state: CgState;

var<workgroup> partial: array<f32, 256>;
var<workgroup> flag: f32;

fn workgroup_sum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var k = 128u; k > 0u; k >>= 1u) {
    if (lid < k) { partial[lid] += partial[lid + k]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(256)
fn cg_init(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < cp.n; i += 256u) {
    let b = ap[i];
    x[i] = 0.0; r[i] = b; p[i] = b;
    s += b * b;
  }
  let rr = workgroup_sum(lid, s);
  if (lid == 0u) { state = CgState(rr, select(0.0, 1.0, rr < cp.tol), 0.0, 0.0); }
}

@compute @workgroup_size(256)
fn cg_step(@builtin(local_invocation_index) lid: u32) {
  if (lid == 0u) { flag = state.done; }
  if (workgroupUniformLoad(&flag) != 0.0) { return; }
  let rr = state.rr;
  var s = 0.0;
  for (var i = lid; i < cp.n; i += 256u) { s += p[i] * (ap[i] + cp.damping * p[i]); }
  let pq = workgroup_sum(lid, s);
  let alpha = rr / pq;
  s = 0.0;
  for (var i = lid; i < cp.n; i += 256u) {
    let pi = p[i];
    x[i] += alpha * pi;
    let ri = r[i] - alpha * (ap[i] + cp.damping * pi);
    r[i] = ri;
    s += ri * ri;
  }
  let rr_new = workgroup_sum(lid, s);
  let beta = rr_new / rr;
  for (var i = lid; i < cp.n; i += 256u) { p[i] = r[i] + beta * p[i]; }
  if (lid == 0u) { state = CgState(rr_new, select(0.0, 1.0, rr_new < cp.tol), state.iterations + 1.0, pq); }
}
