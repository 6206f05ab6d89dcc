// Row softmax and log-softmax, max-shifted. One invocation per row: RL action spaces are
// small (2-18 logits), so a row fits one thread's loop and needs no barriers.

//! kernels

struct SoftmaxParams { R: u32, C: u32, offIn: u32, offOut: u32 }

@group(0) @binding(0) var<uniform> p: SoftmaxParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // [R, C]
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // [R, C]

fn row_lse(base: u32) -> f32 {
  var m = x[base];
  for (var i = 1u; i < p.C; i++) { m = max(m, x[base + i]); }
  var s = 0.0;
  for (var i = 0u; i < p.C; i++) { s += exp(x[base + i] - m); }
  return m + log(s);
}

@compute @workgroup_size(64)
fn softmax_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (r >= p.R) { return; }
  let lse = row_lse(p.offIn + r * p.C);
  for (var i = 0u; i < p.C; i++) { y[p.offOut + r * p.C + i] = exp(x[p.offIn + r * p.C + i] - lse); }
}

@compute @workgroup_size(64)
fn log_softmax_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (r >= p.R) { return; }
  let lse = row_lse(p.offIn + r * p.C);
  for (var i = 0u; i < p.C; i++) { y[p.offOut + r * p.C + i] = x[p.offIn + r * p.C + i] - lse; }
}
