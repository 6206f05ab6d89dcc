// f64 reference GAE (Schulman et al. 2016, High-Dimensional Continuous Control Using GAE), same layout as shaders/gae.wgsl.
export function gaeRef(T: number, N: number, gamma: number, lambda: number, rewards: ArrayLike<number>, values: ArrayLike<number>,
  terminated: ArrayLike<number>, truncated: ArrayLike<number>, finalValues: ArrayLike<number>, bootstrapTruncation: boolean) {
  const adv = new Float64Array(T * N), ret = new Float64Array(T * N);
  for (let n = 0; n < N; n++) {
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + n;
      const term = terminated[i] !== 0, trunc = truncated[i] !== 0 && !term;
      let vNext = values[i + N];
      if (term) vNext = 0;
      if (trunc) vNext = bootstrapTruncation ? finalValues[i] : 0;
      const delta = rewards[i] + gamma * vNext - values[i];
      next = delta + gamma * lambda * (term || trunc ? 0 : next);
      adv[i] = next;
      ret[i] = next + values[i];
    }
  }
  return { advantages: adv, returns: ret };
}
