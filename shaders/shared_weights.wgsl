// How a kernel whose lanes each handle one row of a batch reads weights that every row uses
// (shaders/train.wgsl's heads_and_loss): four at a time, `stride` elements apart from element i
// of `params`. The composition (src/gpu/compose.ts) keeps one section; both give the same values.
// Call weights_enter where every lane of the workgroup is active, and weights4 only in control
// flow that every lane of a subgroup takes.

//! plain
fn weights_enter() {}
fn weights4(i: u32, stride: u32) -> vec4f {
  return vec4f(params[i], params[i + stride], params[i + 2u * stride], params[i + 3u * stride]);
}

//! subgroup
// Adapters with 4-lane subgroups (SwiftShader): a storage load at a runtime index is four scalar
// loads behind branches there, whether or not the lanes' addresses agree. Lane l loads the l-th
// of the four weights and subgroupBroadcast (a register shuffle) hands all four to every lane:
// one gather instead of four.
var<private> weights_lane: u32;
fn weights_enter() { weights_lane = subgroupExclusiveAdd(1u); }
fn weights4(i: u32, stride: u32) -> vec4f {
  let mine = params[i + weights_lane * stride];
  return vec4f(subgroupBroadcast(mine, 0u), subgroupBroadcast(mine, 1u), subgroupBroadcast(mine, 2u), subgroupBroadcast(mine, 3u));
}
