// Reductions over rows of a [R, C] matrix, advantage normalisation and the sum of squares
// behind the global gradient norm.
//   col_sum:   out[c] (+)= scale·Σ_r x[r, c]       one invocation per column, no barriers
//   col_stats: out[c] = (sum, mean, unbiased var)  one workgroup per column, two-pass in f32
//              (col_stats_serial: the same sums without barriers, one invocation per column)
//   normalize: y = (x - mean)/(std + eps)          with mean and var from col_stats (column 0)
//   sumsq_partial: partial[g] = Σ x² over a strided slice (one invocation per partial)
// Agents (src/gpu/agents.ts) run along workgroup z: agent k reads x from k·agentIn and writes
// out from k·agentOut further.

//! kernels

override ACCUM: bool = false;
// Agents of the dispatch: with one, the agent offsets fold to 0 at pipeline creation.
override AGENTS: u32 = 1u;
fn agent_of(z: u32) -> u32 { return min(z, AGENTS - 1u); }

struct ReduceParams { R: u32, C: u32, offIn: u32, offOut: u32, scale: f32, eps: f32, agentIn: u32, agentOut: u32 }

@group(0) @binding(0) var<uniform> p: ReduceParams;
@group(0) @binding(1) var<storage, read> x: array<f32>;          // [agents][R, C] (sumsq_partial: [agents][R] flat)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // [agents]: col_sum [C]; col_stats [C, 3]; normalize [R, C]; sumsq_partial [C]
@group(0) @binding(3) var<storage, read> stats: array<f32>;      // normalize: [C, 3] from col_stats

@compute @workgroup_size(64)
fn col_sum(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.C) { return; }
  let xi = p.offIn + agent_of(gid.z) * p.agentIn;
  let oi = p.offOut + agent_of(gid.z) * p.agentOut;
  var s = 0.0;
  for (var r = 0u; r < p.R; r++) { s += x[xi + r * p.C + c]; }
  s *= p.scale;
  if (ACCUM) { s += out[oi + c]; }
  out[oi + c] = s;
}

const WG: u32 = 64u;
var<workgroup> partial: array<f32, 64>;

fn tree_sum(lid: u32, v: f32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { partial[lid] += partial[lid + s]; }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(64)
fn col_stats(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = wid.x;
  let xi = p.offIn + agent_of(wid.z) * p.agentIn;
  let oi = p.offOut + agent_of(wid.z) * p.agentOut;
  var s = 0.0;
  for (var r = lid; r < p.R; r += WG) { s += x[xi + r * p.C + c]; }
  let sum = tree_sum(lid, s);
  let mean = sum / f32(p.R);
  var q = 0.0;
  for (var r = lid; r < p.R; r += WG) { let d = x[xi + r * p.C + c] - mean; q += d * d; }
  let ss = tree_sum(lid, q);
  if (lid == 0u) {
    out[oi + 3u * c] = sum;
    out[oi + 3u * c + 1u] = mean;
    out[oi + 3u * c + 2u] = select(0.0, ss / f32(p.R - 1u), p.R > 1u);
  }
}

// col_stats for software adapters: one invocation per column adds in exactly col_stats' order
// (WG strided partial sums, then the same halving tree), so the results are the same bit for bit,
// without the workgroup barriers that SwiftShader runs by switching between all 64 invocations.
fn tree_sum_serial(part: ptr<function, array<f32, WG>>) -> f32 {
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    for (var l = 0u; l < s; l++) { (*part)[l] += (*part)[l + s]; }
  }
  return (*part)[0];
}

@compute @workgroup_size(1)
fn col_stats_serial(@builtin(workgroup_id) wid: vec3u) {
  let c = wid.x;
  let xi = p.offIn + agent_of(wid.z) * p.agentIn;
  let oi = p.offOut + agent_of(wid.z) * p.agentOut;
  var part: array<f32, WG>;
  for (var l = 0u; l < WG; l++) {
    var s = 0.0;
    for (var r = l; r < p.R; r += WG) { s += x[xi + r * p.C + c]; }
    part[l] = s;
  }
  let sum = tree_sum_serial(&part);
  let mean = sum / f32(p.R);
  for (var l = 0u; l < WG; l++) {
    var q = 0.0;
    for (var r = l; r < p.R; r += WG) { let d = x[xi + r * p.C + c] - mean; q += d * d; }
    part[l] = q;
  }
  let ss = tree_sum_serial(&part);
  out[oi + 3u * c] = sum;
  out[oi + 3u * c + 1u] = mean;
  out[oi + 3u * c + 2u] = select(0.0, ss / f32(p.R - 1u), p.R > 1u);
}

@compute @workgroup_size(64)
fn normalize(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.R * p.C) { return; }
  let c = i % p.C;
  out[p.offOut + i] = (x[p.offIn + i] - stats[3u * c + 1u]) / (sqrt(stats[3u * c + 2u]) + p.eps);
}

@compute @workgroup_size(64)
fn sumsq_partial(@builtin(global_invocation_id) gid: vec3u) {
  let g = gid.x;
  if (g >= p.C) { return; }
  let xi = p.offIn + agent_of(gid.z) * p.agentIn;
  var s = 0.0;
  for (var i = g; i < p.R; i += p.C) { let v = x[xi + i]; s += v * v; }
  out[p.offOut + agent_of(gid.z) * p.agentOut + g] = s;
}
