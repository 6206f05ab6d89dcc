// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011) and on-GPU sampling.
// A draw is a pure function of (seed, stream, counter, purpose): no state to carry, so a
// rollout replays exactly. wgrl keys streams by environment and counters by global step.
// The sampling kernels use the functions of shaders/categorical.wgsl and shaders/gaussian.wgsl,
// which the TS wrapper puts in front of this file.

const PHILOX_M0: u32 = 0xD2511F53u;
const PHILOX_M1: u32 = 0xCD9E8D57u;
const PHILOX_W0: u32 = 0x9E3779B9u;
const PHILOX_W1: u32 = 0xBB67AE85u;

// 32×32 → 64-bit product as (hi, lo) from 16-bit halves (WGSL has no mulhi).
fn mulhilo(a: u32, b: u32) -> vec2u {
  let a0 = a & 0xffffu; let a1 = a >> 16u;
  let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
  return vec2u(hi, a * b);
}

fn philox4x32_10(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter;
  var k = key;
  for (var round = 0u; round < 10u; round++) {
    if (round > 0u) { k += vec2u(PHILOX_W0, PHILOX_W1); }
    let p0 = mulhilo(PHILOX_M0, c.x);
    let p1 = mulhilo(PHILOX_M1, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
  }
  return c;
}

// Four independent u32 for (seed, stream, counter, purpose).
fn rand4(seed: u32, stream: u32, counter: u32, purpose: u32) -> vec4u {
  return philox4x32_10(vec4u(counter, purpose, 0u, 0u), vec2u(seed, stream));
}

// Uniform in the open interval (0, 1): 24 random bits, centred in their cell.
fn u01(x: u32) -> f32 {
  return (f32(x >> 8u) + 0.5) * (1.0 / 16777216.0);
}

// Two standard normals from two uniforms (Box-Muller).
fn box_muller(u1: f32, u2: f32) -> vec2f {
  let rad = sqrt(-2.0 * log(u1));
  let th = 6.2831853071795865 * u2;
  return vec2f(rad * cos(th), rad * sin(th));
}

//! kernels

struct RngParams { R: u32, D: u32, seed: u32, counter: u32, purpose: u32, streamOffset: u32, _pad0: u32, _pad1: u32 }

@group(0) @binding(0) var<uniform> p: RngParams;
@group(0) @binding(1) var<storage, read> dist: array<f32>;          // [R, D]: logits, or Gaussian means
@group(0) @binding(2) var<storage, read> logstd: array<f32>;        // [D] (Gaussian)
@group(0) @binding(3) var<storage, read_write> out_u32: array<u32>; // uniform_u32 [R, 4]; categorical actions [R]
@group(0) @binding(4) var<storage, read_write> out_f32: array<f32>; // Gaussian actions [R, D]
@group(0) @binding(5) var<storage, read_write> out_logp: array<f32>; // [R] log-prob of the drawn action

fn logit_at(r: u32, i: u32) -> f32 { return dist[r * p.D + i]; }
fn old_logit_at(r: u32, i: u32) -> f32 { return dist[r * p.D + i]; }
fn mean_at(r: u32, j: u32) -> f32 { return dist[r * p.D + j]; }
fn old_mean_at(r: u32, j: u32) -> f32 { return dist[r * p.D + j]; }
fn logstd_at(j: u32) -> f32 { return logstd[j]; }
fn old_logstd_at(j: u32) -> f32 { return logstd[j]; }
fn action_at(r: u32, j: u32) -> f32 { return out_f32[r * p.D + j]; }

fn row_index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return (wid.x + wid.y * nwg.x) * 64u + lid; }

// Raw Philox output for stream = streamOffset + r: [R, 4] u32 (tests, users' own sampling).
@compute @workgroup_size(64)
fn uniform_u32(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  let x = rand4(p.seed, p.streamOffset + r, p.counter, p.purpose);
  out_u32[4u * r] = x.x; out_u32[4u * r + 1u] = x.y; out_u32[4u * r + 2u] = x.z; out_u32[4u * r + 3u] = x.w;
}

@compute @workgroup_size(64)
fn sample_categorical(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  let x = rand4(p.seed, p.streamOffset + r, p.counter, p.purpose);
  let lse = cat_lse(r, p.D);
  let a = cat_sample(r, p.D, lse, u01(x.x));
  out_u32[r] = a;
  out_logp[r] = logit_at(r, a) - lse;
}

@compute @workgroup_size(64)
fn sample_gaussian(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let r = row_index(wid, nwg, lid);
  if (r >= p.R) { return; }
  for (var j = 0u; j < p.D; j += 4u) {
    // One Philox call gives four normals: dimensions j..j+3 use counter word j/4.
    let x = rand4(p.seed, p.streamOffset + r, p.counter, p.purpose + 65536u * (j / 4u));
    let n01 = box_muller(u01(x.x), u01(x.y));
    let n23 = box_muller(u01(x.z), u01(x.w));
    let n = array<f32, 4>(n01.x, n01.y, n23.x, n23.y);
    for (var q = 0u; q < 4u && j + q < p.D; q++) {
      out_f32[r * p.D + j + q] = mean_at(r, j + q) + exp(logstd_at(j + q)) * n[q];
    }
  }
  out_logp[r] = gauss_logp(r, p.D);
}
