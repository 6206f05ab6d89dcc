// SortDigits: a verifiable-reward sequence task in the shape of an RLHF problem. A prompt of 4
// digits (0–9) is drawn at reset; the policy writes one digit per step; after the 4th a
// verifier compares the output with the prompt sorted ascending. Reward only at the end:
// SORT_EXACT (SortDigitsExact-v0) pays 1 for an exact match, else (SortDigits-v0) the fraction
// of positions that match. The runtime prepends `const SORT_EXACT: bool = …;`.
// State: [prompt 0..3, output 0..3 (−1 until written), t]. Observation (84 values): the prompt
// one-hot (4 × 10), the output so far one-hot (4 × 10, zeros where unwritten), the step one-hot (4).

alias EnvState = array<f32, 9>;

const SORT_LEN: u32 = 4u;
const SORT_VOCAB: u32 = 10u;

// u: four uniforms in (0, 1): one digit each.
fn env_reset(u: vec4f) -> EnvState {
  let d = min(floor(u * 10.0), vec4f(9.0));
  return EnvState(d.x, d.y, d.z, d.w, -1.0, -1.0, -1.0, -1.0, 0.0);
}

fn env_step(s: EnvState, action: u32) -> StepResult {
  var n = s;
  let t = u32(s[8]);
  n[4u + min(t, SORT_LEN - 1u)] = f32(min(action, SORT_VOCAB - 1u));
  n[8] = f32(t + 1u);
  let done = t + 1u >= SORT_LEN;
  var reward = 0.0;
  if (done) {
    // The prompt sorted by a 4-input sorting network (5 compare-exchanges).
    var a = s[0]; var b = s[1]; var c = s[2]; var d = s[3];
    var lo = min(a, b); var hi = max(a, b); a = lo; b = hi;
    lo = min(c, d); hi = max(c, d); c = lo; d = hi;
    lo = min(a, c); hi = max(a, c); a = lo; c = hi;
    lo = min(b, d); hi = max(b, d); b = lo; d = hi;
    lo = min(b, c); hi = max(b, c); b = lo; c = hi;
    let correct = f32(n[4] == a) + f32(n[5] == b) + f32(n[6] == c) + f32(n[7] == d);
    reward = select(correct / 4.0, f32(correct == 4.0), SORT_EXACT);
  }
  return StepResult(n, reward, done);
}

fn env_observe(s: EnvState, i: u32) -> f32 {
  if (i < 40u) { return f32(s[i / SORT_VOCAB] == f32(i % SORT_VOCAB)); }
  if (i < 80u) { return f32(s[4u + (i - 40u) / SORT_VOCAB] == f32((i - 40u) % SORT_VOCAB)); }
  return f32(s[8] == f32(i - 80u));
}
