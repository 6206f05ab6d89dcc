// Batched matmul for MLPs: C[b] = gate(act(op(A[b]) · op(B[b]) + bias[b])) (+ C[b] if ACCUM).
//   forward:  Y = act(X·W + b)          (TRANS_A = false, TRANS_B = false, HAS_BIAS, ACT)
//   backward: dX = (dY·Wᵀ) ⊙ act'(H)    (TRANS_B = true, GATE: H is the layer input's activation)
//             dW = Xᵀ·dY                (TRANS_A = true)
//             [dW; db] = [X, 1]ᵀ·dY     (TRANS_A, ONES_ROW: op(A) gains a last row of ones, so C's last
//                                        row is the bias gradient Σ_rows dY; it lands on b when b follows W)
// Batch items are p.stride* elements apart (0 shares an operand: actor and critic as a batch of 2).
// Agents (src/gpu/agents.ts) are an outer batch: workgroup z = item + batch · agent, and each
// operand of agent k sits p.agent* · k elements further (0: one operand shared by every agent).
// Variants (llm.c style): matmul_naive (1 output/thread), matmul_regblock (4×4 outputs/thread,
// no workgroup memory, no barriers), matmul_regblock_vec4 (the same, B rows as vec4),
// matmul_regblock8 (8×8 outputs/thread: fastest on SwiftShader), matmul_tiled (64×64 tile in
// workgroup memory, 16×16 threads with 4×4 each: for real GPUs).

// Activation codes (ACT and GATE): 0 none, 1 tanh, 2 relu.
fn tanh_stable(x: f32) -> f32 {
  // exp of a non-positive number never overflows, so no NaN for large |x|.
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

fn activate(x: f32, kind: u32) -> f32 {
  if (kind == 1u) { return tanh_stable(x); }
  if (kind == 2u) { return max(x, 0.0); }
  return x;
}

// Derivative of the activation expressed through its output h = act(x).
fn activate_grad_from_output(h: f32, kind: u32) -> f32 {
  if (kind == 1u) { return 1.0 - h * h; }
  if (kind == 2u) { return select(0.0, 1.0, h > 0.0); }
  return 1.0;
}

//! kernels

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override ACT: u32 = 0u;
override GATE: u32 = 0u;
override ACCUM: bool = false;
override ONES_ROW: bool = false;

struct MatmulParams {
  M: u32, N: u32, K: u32, batch: u32,
  offA: u32, offB: u32, offC: u32, offBias: u32,       // element offsets into each buffer
  strideA: u32, strideB: u32, strideC: u32, strideBias: u32, // elements between batch items
  offGate: u32, strideGate: u32, rowsA: u32, _pad1: u32,  // rowsA: rows of op(A) stored (M, or M - 1 with ONES_ROW)
  agentA: u32, agentB: u32, agentC: u32, agentBias: u32,   // elements between agents' operands
  agentGate: u32, _pad2: u32, _pad3: u32, _pad4: u32,
}

// Element offsets of this invocation's batch item (workgroup z: item + batch · agent) in each
// operand, set once per invocation by enter_item: an integer division per index would cost
// SwiftShader a scalar division per lane in every epilogue.
var<private> item_a: u32;
var<private> item_b: u32;
var<private> item_c: u32;
var<private> item_bias: u32;
var<private> item_gate: u32;
fn enter_item(z: u32) {
  let i = z % p.batch;
  let k = z / p.batch;
  item_a = i * p.strideA + k * p.agentA;
  item_b = i * p.strideB + k * p.agentB;
  item_c = i * p.strideC + k * p.agentC;
  item_bias = i * p.strideBias + k * p.agentBias;
  item_gate = i * p.strideGate + k * p.agentGate;
}

@group(0) @binding(0) var<uniform> p: MatmulParams;
@group(0) @binding(1) var<storage, read> A: array<f32>;        // [agents, batch, rowsA, K], or [agents, batch, K, rowsA] if TRANS_A
@group(0) @binding(2) var<storage, read> B: array<f32>;        // [agents, batch, K, N], or [agents, batch, N, K] if TRANS_B
@group(0) @binding(3) var<storage, read> bias: array<f32>;     // [agents, batch, N] (read only if HAS_BIAS)
@group(0) @binding(4) var<storage, read_write> C: array<f32>;  // [agents, batch, M, N]
@group(0) @binding(5) var<storage, read> gate: array<f32>;     // [agents, batch, M, N] activations (read only if GATE != 0)
@group(0) @binding(6) var<storage, read> B4: array<vec4f>;     // the B buffer again, as 4-wide rows (matmul_regblock_vec4)

// Index of element (m, k) of op(A) and (k, n) of op(B) in batch item b (its offsets: enter_item).
fn a_index(b: u32, m: u32, k: u32) -> u32 {
  if (TRANS_A) { return p.offA + item_a + k * p.rowsA + m; }
  return p.offA + item_a + m * p.K + k;
}
fn b_index(b: u32, k: u32, n: u32) -> u32 {
  if (TRANS_B) { return p.offB + item_b + n * p.K + k; }
  return p.offB + item_b + k * p.N + n;
}

// Start indices (k = 0) in A of rows m0..m0+3, clamped to the last stored row (loads stay in
// bounds; the store skips rows past M and replaces the ones row).
fn a_rows(b: u32, m0: u32) -> vec4u {
  let last = p.rowsA - 1u;
  return vec4u(a_index(b, min(m0, last), 0u), a_index(b, min(m0 + 1u, last), 0u),
               a_index(b, min(m0 + 2u, last), 0u), a_index(b, min(m0 + 3u, last), 0u));
}

// The first row and column of output block `blk` (edge × edge blocks, row-major), and 1 in z
// when the block lies in C (invocations past the last block return).
fn block_origin(blk: u32, edge: u32) -> vec3u {
  let nbN = (p.N + edge - 1u) / edge;
  let nbM = (p.M + edge - 1u) / edge;
  return vec3u((blk / nbN) * edge, (blk % nbN) * edge, select(0u, 1u, blk < nbN * nbM));
}

// Start indices (k = 0) in B of columns n0..n0+3, clamped to the last column.
fn b_cols(b: u32, n0: u32) -> vec4u {
  let last = p.N - 1u;
  return vec4u(b_index(b, 0u, min(n0, last)), b_index(b, 0u, min(n0 + 1u, last)),
               b_index(b, 0u, min(n0 + 2u, last)), b_index(b, 0u, min(n0 + 3u, last)));
}

// With ONES_ROW the register-blocked kernels accumulate row M - 1 (Σ_k B[k, n0..n0+3]) in `ones`
// and swap it in at the store; the tiled kernel loads the ones into its tile instead.
fn ones_row_select(m: u32, c: vec4f, ones: vec4f, swap: bool) -> vec4f {
  return select(c, ones, swap && ONES_ROW && m == p.M - 1u);
}

// Bias of output column n (0 without HAS_BIAS, where the bias binding is a dummy).
fn bias_at(n: u32) -> f32 {
  if (HAS_BIAS) { return bias[p.offBias + item_bias + n]; }
  return 0.0;
}

fn epilogue(b: u32, m: u32, n: u32, acc: f32) { epilogue_biased(b, m, n, acc, bias_at(n)); }

// The epilogue with column n's bias loaded by the caller (once per column, not per output).
fn epilogue_biased(b: u32, m: u32, n: u32, acc: f32, bias_n: f32) {
  var v = acc;
  if (HAS_BIAS) { v += bias_n; }
  v = activate(v, ACT);
  if (GATE != 0u) { v *= activate_grad_from_output(gate[p.offGate + item_gate + m * p.N + n], GATE); }
  let ci = p.offC + item_c + m * p.N + n;
  if (ACCUM) { v += C[ci]; }
  C[ci] = v;
}

// Writes a 4×4 block row by row; unrolled (no dynamically indexed arrays, which SwiftShader spills).
fn store_row(b: u32, m: u32, n0: u32, v: vec4f) {
  if (m >= p.M) { return; }
  epilogue(b, m, n0, v.x);
  if (n0 + 1u < p.N) { epilogue(b, m, n0 + 1u, v.y); }
  if (n0 + 2u < p.N) { epilogue(b, m, n0 + 2u, v.z); }
  if (n0 + 3u < p.N) { epilogue(b, m, n0 + 3u, v.w); }
}
fn store_block(b: u32, m0: u32, n0: u32, c0: vec4f, c1: vec4f, c2: vec4f, c3: vec4f, ones: vec4f, swap: bool) {
  if (n0 >= p.N) { return; }
  store_row(b, m0, n0, ones_row_select(m0, c0, ones, swap));
  store_row(b, m0 + 1u, n0, ones_row_select(m0 + 1u, c1, ones, swap));
  store_row(b, m0 + 2u, n0, ones_row_select(m0 + 2u, c2, ones, swap));
  store_row(b, m0 + 3u, n0, ones_row_select(m0 + 3u, c3, ones, swap));
}

@compute @workgroup_size(64)
fn matmul_naive(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + lid;
  if (i >= p.M * p.N) { return; }
  let b = wid.z;
  enter_item(b);
  let m = i / p.N;
  let n = i % p.N;
  var acc = 0.0;
  if (ONES_ROW && m == p.M - 1u) {
    for (var k = 0u; k < p.K; k++) { acc += B[b_index(b, k, n)]; }
  } else {
    for (var k = 0u; k < p.K; k++) { acc += A[a_index(b, m, k)] * B[b_index(b, k, n)]; }
  }
  epilogue(b, m, n, acc);
}

// 4×4 outputs per invocation accumulated in registers. Out-of-range rows and columns are
// clamped for loads (so the inner loop has no branches) and skipped at the store.
@compute @workgroup_size(64)
fn matmul_regblock(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let o = block_origin((wid.x + wid.y * nwg.x) * 64u + lid, 4u);
  if (o.z == 0u) { return; }
  let b = wid.z;
  enter_item(b);
  let m0 = o.x;
  let n0 = o.y;
  let aStepK = select(1u, p.rowsA, TRANS_A);
  let bStepK = select(p.N, 1u, TRANS_B);
  let ar = a_rows(b, m0);
  let a0 = ar.x; let a1 = ar.y; let a2 = ar.z; let a3 = ar.w;
  let bc = b_cols(b, n0);
  let b0 = bc.x; let b1 = bc.y; let b2 = bc.z; let b3 = bc.w;
  var c0 = vec4f(0.0);
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  var ones = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let ka = k * aStepK;
    let kb = k * bStepK;
    let bv = vec4f(B[b0 + kb], B[b1 + kb], B[b2 + kb], B[b3 + kb]);
    c0 += A[a0 + ka] * bv;
    c1 += A[a1 + ka] * bv;
    c2 += A[a2 + ka] * bv;
    c3 += A[a3 + ka] * bv;
    if (ONES_ROW) { ones += bv; }
  }
  store_block(b, m0, n0, c0, c1, c2, c3, ones, true);
}

// As matmul_regblock, reading each 4-wide row of B with one vec4 load. Valid when B is not
// transposed and N, offB and strideB are multiples of 4 (the wrapper checks), so a block never
// straddles rows or batch items.
@compute @workgroup_size(64)
fn matmul_regblock_vec4(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                        @builtin(local_invocation_index) lid: u32) {
  let o = block_origin((wid.x + wid.y * nwg.x) * 64u + lid, 4u);
  if (o.z == 0u) { return; }
  let b = wid.z;
  enter_item(b);
  let m0 = o.x;
  let n0 = o.y;
  let aStepK = select(1u, p.rowsA, TRANS_A);
  let ar = a_rows(b, m0);
  let a0 = ar.x; let a1 = ar.y; let a2 = ar.z; let a3 = ar.w;
  let bq = (p.offB + item_b + n0) / 4u;
  let bStep = p.N / 4u;
  var c0 = vec4f(0.0);
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  var ones = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let ka = k * aStepK;
    let bv = B4[bq + k * bStep];
    c0 += A[a0 + ka] * bv;
    c1 += A[a1 + ka] * bv;
    c2 += A[a2 + ka] * bv;
    c3 += A[a3 + ka] * bv;
    if (ONES_ROW) { ones += bv; }
  }
  store_block(b, m0, n0, c0, c1, c2, c3, ones, true);
}

// 8×8 outputs per invocation: 16 loads per 64 multiply-adds (the 4×4 kernels need 32). On
// SwiftShader every storage load is a bounds-checked per-lane gather while spilled accumulators
// are plain vector loads and stores, so the bigger block does fewer expensive operations.
@compute @workgroup_size(64)
fn matmul_regblock8(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                    @builtin(local_invocation_index) lid: u32) {
  let o = block_origin((wid.x + wid.y * nwg.x) * 64u + lid, 8u);
  if (o.z == 0u) { return; }
  let b = wid.z;
  enter_item(b);
  let m0 = o.x;
  let n0 = o.y;
  let aStepK = select(1u, p.rowsA, TRANS_A);
  let bStepK = select(p.N, 1u, TRANS_B);
  let ar0 = a_rows(b, m0);
  let ar1 = a_rows(b, m0 + 4u);
  let bc0 = b_cols(b, n0);
  let bc1 = b_cols(b, n0 + 4u);
  var c0 = vec4f(0.0); var d0 = vec4f(0.0);
  var c1 = vec4f(0.0); var d1 = vec4f(0.0);
  var c2 = vec4f(0.0); var d2 = vec4f(0.0);
  var c3 = vec4f(0.0); var d3 = vec4f(0.0);
  var c4 = vec4f(0.0); var d4 = vec4f(0.0);
  var c5 = vec4f(0.0); var d5 = vec4f(0.0);
  var c6 = vec4f(0.0); var d6 = vec4f(0.0);
  var c7 = vec4f(0.0); var d7 = vec4f(0.0);
  var ones0 = vec4f(0.0); var ones1 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let ka = k * aStepK;
    let kb = k * bStepK;
    let u = vec4f(B[bc0.x + kb], B[bc0.y + kb], B[bc0.z + kb], B[bc0.w + kb]);
    let w = vec4f(B[bc1.x + kb], B[bc1.y + kb], B[bc1.z + kb], B[bc1.w + kb]);
    let a0 = A[ar0.x + ka]; c0 += a0 * u; d0 += a0 * w;
    let a1 = A[ar0.y + ka]; c1 += a1 * u; d1 += a1 * w;
    let a2 = A[ar0.z + ka]; c2 += a2 * u; d2 += a2 * w;
    let a3 = A[ar0.w + ka]; c3 += a3 * u; d3 += a3 * w;
    let a4 = A[ar1.x + ka]; c4 += a4 * u; d4 += a4 * w;
    let a5 = A[ar1.y + ka]; c5 += a5 * u; d5 += a5 * w;
    let a6 = A[ar1.z + ka]; c6 += a6 * u; d6 += a6 * w;
    let a7 = A[ar1.w + ka]; c7 += a7 * u; d7 += a7 * w;
    if (ONES_ROW) { ones0 += u; ones1 += w; }
  }
  store_block(b, m0, n0, c0, c1, c2, c3, ones0, true);
  store_block(b, m0 + 4u, n0, c4, c5, c6, c7, ones0, true);
  store_block(b, m0, n0 + 4u, d0, d1, d2, d3, ones1, true);
  store_block(b, m0 + 4u, n0 + 4u, d4, d5, d6, d7, ones1, true);
}

const TILE: u32 = 64u;   // output tile edge
const TK: u32 = 16u;     // depth of one workgroup-memory stage
var<workgroup> tileA: array<f32, 1024>;  // [TK, TILE]: A values, k-major
var<workgroup> tileB: array<f32, 1024>;  // [TK, TILE]: B values, k-major

fn load_a_checked(b: u32, m: u32, k: u32) -> f32 {
  if (ONES_ROW && m == p.M - 1u && k < p.K) { return 1.0; }
  if (m < p.M && k < p.K) { return A[a_index(b, m, k)]; }
  return 0.0;
}
fn load_b_checked(b: u32, k: u32, n: u32) -> f32 {
  if (k < p.K && n < p.N) { return B[b_index(b, k, n)]; }
  return 0.0;
}

@compute @workgroup_size(16, 16)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let b = wid.z;
  enter_item(b);
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  let t = lid.y * 16u + lid.x;
  var c0 = vec4f(0.0);
  var c1 = vec4f(0.0);
  var c2 = vec4f(0.0);
  var c3 = vec4f(0.0);
  for (var k0 = 0u; k0 < p.K; k0 += TK) {
    for (var i = 0u; i < 4u; i++) {
      let e = t + i * 256u;
      // A: consecutive threads walk k (contiguous when A is not transposed).
      let ak = select(e % TK, e / TILE, TRANS_A);
      let am = select(e / TK, e % TILE, TRANS_A);
      tileA[ak * TILE + am] = load_a_checked(b, row0 + am, k0 + ak);
      // B: consecutive threads walk n (contiguous when B is not transposed).
      let bn = select(e % TILE, e / TK, TRANS_B);
      let bk = select(e / TILE, e % TK, TRANS_B);
      tileB[bk * TILE + bn] = load_b_checked(b, k0 + bk, col0 + bn);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      let ab = kk * TILE + lid.y * 4u;
      let bb = kk * TILE + lid.x * 4u;
      let bv = vec4f(tileB[bb], tileB[bb + 1u], tileB[bb + 2u], tileB[bb + 3u]);
      c0 += tileA[ab] * bv;
      c1 += tileA[ab + 1u] * bv;
      c2 += tileA[ab + 2u] * bv;
      c3 += tileA[ab + 3u] * bv;
    }
    workgroupBarrier();
  }
  store_block(b, row0 + lid.y * 4u, col0 + lid.x * 4u, c0, c1, c2, c3, vec4f(0.0), false);
}
