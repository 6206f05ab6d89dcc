// matmul_subgroup: the batched matmul of shaders/matmul.wgsl (same operation, options, uniforms
// and bindings) for adapters whose subgroups are 4 lanes wide, such as SwiftShader, where a
// subgroup is the 4 lanes of one SIMD register. src/kernels/matmul.ts composes the module: the
// subgroup directives (src/gpu/compose.ts), shaders/matmul.wgsl, then this file.
//
// Why: on SwiftShader a storage load whose index is not a compile-time constant is a gather, four
// scalar loads behind four branches, and it costs as much as a few dozen multiply-adds. The
// register-blocked kernels load every A and B value they use in every lane, 16 gathers per 64
// multiply-adds for an 8×8 block. Here the 4 lanes of a subgroup share 32 rows of A: per k each
// lane loads 8 of them and subgroupBroadcast (a register shuffle) gives every lane all 32, while
// each lane loads the 4 B values of its own 4 columns. A k step is 12 gathers per 32 vec4
// multiply-adds, a quarter of the gathers per multiply-add of the 8×8 kernel. Every output is
// the same sequence of f32 operations as in the other kernels (k in order from 0, bias and
// activation after the sum), so the results are identical to theirs. A subgroup's lanes share
// their tile, so its early return for tiles past C is taken by all four together.

const SG_ROWS: u32 = 32u;   // rows of a subgroup's tile (lane l loads rows 4g + l, g = 0..7)
const SG_COLS: u32 = 16u;   // columns of a subgroup's tile, 4 per lane
const SG_WG: u32 = 8u;      // invocations per workgroup: 2 subgroups

// Start index (k = 0) in A of row m of op(A), clamped to the last stored row so loads stay in bounds.
fn a_start(b: u32, m: u32) -> u32 { return a_index(b, min(m, p.rowsA - 1u), 0u); }

// One k step: c[r] += A[m0 + r, k] · B[k, this lane's 4 columns] for the tile's 32 rows.
// `rows` holds this lane's 8 row starts in A; ka and kb are k's offsets in A and B.
fn sg_step(c: ptr<function, array<vec4f, 32>>, ones: ptr<function, vec4f>, rows: array<u32, 8>, cols: vec4u, ka: u32, kb: u32) {
  let bv = vec4f(B[cols.x + kb], B[cols.y + kb], B[cols.z + kb], B[cols.w + kb]);
  let a0 = A[rows[0] + ka]; let a1 = A[rows[1] + ka]; let a2 = A[rows[2] + ka]; let a3 = A[rows[3] + ka];
  let a4 = A[rows[4] + ka]; let a5 = A[rows[5] + ka]; let a6 = A[rows[6] + ka]; let a7 = A[rows[7] + ka];
  // Row 4g + j of the tile is lane j's a_g.
  (*c)[0] += subgroupBroadcast(a0, 0u) * bv;  (*c)[1] += subgroupBroadcast(a0, 1u) * bv;
  (*c)[2] += subgroupBroadcast(a0, 2u) * bv;  (*c)[3] += subgroupBroadcast(a0, 3u) * bv;
  (*c)[4] += subgroupBroadcast(a1, 0u) * bv;  (*c)[5] += subgroupBroadcast(a1, 1u) * bv;
  (*c)[6] += subgroupBroadcast(a1, 2u) * bv;  (*c)[7] += subgroupBroadcast(a1, 3u) * bv;
  (*c)[8] += subgroupBroadcast(a2, 0u) * bv;  (*c)[9] += subgroupBroadcast(a2, 1u) * bv;
  (*c)[10] += subgroupBroadcast(a2, 2u) * bv; (*c)[11] += subgroupBroadcast(a2, 3u) * bv;
  (*c)[12] += subgroupBroadcast(a3, 0u) * bv; (*c)[13] += subgroupBroadcast(a3, 1u) * bv;
  (*c)[14] += subgroupBroadcast(a3, 2u) * bv; (*c)[15] += subgroupBroadcast(a3, 3u) * bv;
  (*c)[16] += subgroupBroadcast(a4, 0u) * bv; (*c)[17] += subgroupBroadcast(a4, 1u) * bv;
  (*c)[18] += subgroupBroadcast(a4, 2u) * bv; (*c)[19] += subgroupBroadcast(a4, 3u) * bv;
  (*c)[20] += subgroupBroadcast(a5, 0u) * bv; (*c)[21] += subgroupBroadcast(a5, 1u) * bv;
  (*c)[22] += subgroupBroadcast(a5, 2u) * bv; (*c)[23] += subgroupBroadcast(a5, 3u) * bv;
  (*c)[24] += subgroupBroadcast(a6, 0u) * bv; (*c)[25] += subgroupBroadcast(a6, 1u) * bv;
  (*c)[26] += subgroupBroadcast(a6, 2u) * bv; (*c)[27] += subgroupBroadcast(a6, 3u) * bv;
  (*c)[28] += subgroupBroadcast(a7, 0u) * bv; (*c)[29] += subgroupBroadcast(a7, 1u) * bv;
  (*c)[30] += subgroupBroadcast(a7, 2u) * bv; (*c)[31] += subgroupBroadcast(a7, 3u) * bv;
  if (ONES_ROW) { *ones += bv; }
}

// A subgroup computes a 32 × 16 tile of C[item]: its lanes the same 32 rows, lane l columns
// n0 + 4l .. n0 + 4l + 3. Tiles cover the stored rows of op(A); with ONES_ROW the tiles of the
// last row band also write row M - 1 (Σ_k B[k, n]) when it lies past their rows.
@compute @workgroup_size(SG_WG)
fn matmul_subgroup(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) lane: u32) {
  let tile = ((wid.x + wid.y * nwg.x) * SG_WG + lid) / 4u;
  let tilesN = (p.N + SG_COLS - 1u) / SG_COLS;
  let tilesM = (p.rowsA + SG_ROWS - 1u) / SG_ROWS;
  if (tile >= tilesM * tilesN) { return; }
  let b = wid.z;
  enter_item(b);
  let m0 = (tile / tilesN) * SG_ROWS;
  let n0 = (tile % tilesN) * SG_COLS + 4u * lane;
  let aStepK = select(1u, p.rowsA, TRANS_A);
  let bStepK = select(p.N, 1u, TRANS_B);
  let rows = array<u32, 8>(a_start(b, m0 + lane), a_start(b, m0 + 4u + lane), a_start(b, m0 + 8u + lane), a_start(b, m0 + 12u + lane),
                           a_start(b, m0 + 16u + lane), a_start(b, m0 + 20u + lane), a_start(b, m0 + 24u + lane), a_start(b, m0 + 28u + lane));
  let cols = b_cols(b, n0);
  var c: array<vec4f, 32>;
  var ones = vec4f(0.0);
  // Two k steps per iteration (SwiftShader keeps the accumulators in registers within one).
  let K = p.K;
  var k = 0u;
  for (; k + 1u < K; k += 2u) {
    sg_step(&c, &ones, rows, cols, k * aStepK, k * bStepK);
    sg_step(&c, &ones, rows, cols, (k + 1u) * aStepK, (k + 1u) * bStepK);
  }
  if (k < K) { sg_step(&c, &ones, rows, cols, k * aStepK, k * bStepK); }
  if (n0 >= p.N) { return; }
  // The bias of this lane's 4 columns, loaded once (clamped columns are never stored).
  let last = p.N - 1u;
  let bias4 = vec4f(bias_at(n0), bias_at(min(n0 + 1u, last)), bias_at(min(n0 + 2u, last)), bias_at(min(n0 + 3u, last)));
  // Four rows at a time, shifting the next four to the front: one copy of the store code (a
  // quarter of the kernel's compile time on SwiftShader), constant indices only (no gathers).
  for (var r = 0u; r < SG_ROWS; r += 4u) {
    sg_store(b, m0 + r, n0, c[0], ones, bias4); sg_store(b, m0 + r + 1u, n0, c[1], ones, bias4);
    sg_store(b, m0 + r + 2u, n0, c[2], ones, bias4); sg_store(b, m0 + r + 3u, n0, c[3], ones, bias4);
    c[0] = c[4]; c[1] = c[5]; c[2] = c[6]; c[3] = c[7]; c[4] = c[8]; c[5] = c[9]; c[6] = c[10]; c[7] = c[11];
    c[8] = c[12]; c[9] = c[13]; c[10] = c[14]; c[11] = c[15]; c[12] = c[16]; c[13] = c[17]; c[14] = c[18]; c[15] = c[19];
    c[16] = c[20]; c[17] = c[21]; c[18] = c[22]; c[19] = c[23]; c[20] = c[24]; c[21] = c[25]; c[22] = c[26]; c[23] = c[27];
    c[24] = c[28]; c[25] = c[29]; c[26] = c[30]; c[27] = c[31];
  }
  if (ONES_ROW && m0 + SG_ROWS == p.rowsA) { sg_store(b, p.M - 1u, n0, ones, ones, bias4); }
}

// Row m of this lane's 4 columns from n0 (the ones row with ONES_ROW); rows past M are skipped.
fn sg_store(b: u32, m: u32, n0: u32, v: vec4f, ones: vec4f, bias4: vec4f) {
  if (m >= p.M) { return; }
  let x = ones_row_select(m, v, ones, true);
  epilogue_biased(b, m, n0, x.x, bias4.x);
  if (n0 + 1u < p.N) { epilogue_biased(b, m, n0 + 1u, x.y, bias4.y); }
  if (n0 + 2u < p.N) { epilogue_biased(b, m, n0 + 2u, x.z, bias4.z); }
  if (n0 + 3u < p.N) { epilogue_biased(b, m, n0 + 3u, x.w, bias4.w); }
}
