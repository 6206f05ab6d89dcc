// Draws the first environments of a vector from their GPU state (read back once per iteration).
export function drawEnv(ctx: CanvasRenderingContext2D, env: string, s: Float32Array): void {
  const { width: w, height: h } = ctx.canvas;
  ctx.clearRect(0, 0, w, h);
  ctx.lineWidth = 3;
  ctx.strokeStyle = '#333';
  ctx.fillStyle = '#4a7';
  if (env === 'CartPole-v1') {
    const scale = w / 4.8, x = w / 2 + s[0] * scale, y = h * 0.75;
    ctx.beginPath(); ctx.moveTo(0, y + 10); ctx.lineTo(w, y + 10); ctx.stroke();
    ctx.fillRect(x - 20, y - 10, 40, 20);
    ctx.strokeStyle = '#c63';
    ctx.beginPath(); ctx.moveTo(x, y - 10); ctx.lineTo(x + Math.sin(s[2]) * scale, y - 10 - Math.cos(s[2]) * scale); ctx.stroke();
  } else if (env === 'Acrobot-v1') {
    const cx = w / 2, cy = h / 2, L = h / 4.5;
    const x1 = cx + L * Math.sin(s[0]), y1 = cy + L * Math.cos(s[0]);
    const x2 = x1 + L * Math.sin(s[0] + s[1]), y2 = y1 + L * Math.cos(s[0] + s[1]);
    ctx.beginPath(); ctx.moveTo(0, cy - L); ctx.lineTo(w, cy - L); ctx.strokeStyle = '#aaa'; ctx.stroke();
    ctx.strokeStyle = '#333'; ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
  } else if (env === 'MountainCar-v0' || env === 'MountainCarContinuous-v0') {
    const X = (p: number) => ((p + 1.2) / 1.8) * w, Y = (p: number) => h - (Math.sin(3 * p) * 0.45 + 0.55) * h * 0.8;
    ctx.beginPath();
    for (let p = -1.2; p <= 0.6; p += 0.02) ctx.lineTo(X(p), Y(p));
    ctx.stroke();
    ctx.beginPath(); ctx.arc(X(s[0]), Y(s[0]) - 8, 8, 0, 2 * Math.PI); ctx.fill();
    const goal = env === 'MountainCar-v0' ? 0.5 : 0.45;
    ctx.fillStyle = '#c33'; ctx.fillRect(X(goal), Y(goal) - 25, 3, 25);
  } else if (env.startsWith('SortDigits')) {
    // State: prompt digits 0–3, output digits 4–7 (−1 unwritten), step 8.
    const prompt = Array.from(s.subarray(0, 4)), out = Array.from(s.subarray(4, 8));
    const sorted = [...prompt].sort((a, b) => a - b);
    ctx.font = `${Math.round(Math.min(h / 8, w / 14))}px ui-monospace, monospace`;
    ctx.fillStyle = '#333';
    ctx.fillText(`prompt  ${prompt.join(' ')}`, 10, h * 0.35);
    ctx.fillText('output', 10, h * 0.7);
    out.forEach((d, k) => {
      ctx.fillStyle = d < 0 ? '#bbb' : d === sorted[k] ? '#2a7' : '#c33';
      ctx.fillText(d < 0 ? '_' : String(d), 10 + ctx.measureText('output  ').width + k * ctx.measureText('0 ').width, h * 0.7);
    });
  } else if (env === 'Pendulum-v1') {
    const cx = w / 2, cy = h / 2, L = h / 2.6;
    ctx.strokeStyle = '#c63';
    ctx.beginPath(); ctx.moveTo(cx, cy); ctx.lineTo(cx + L * Math.sin(s[0]), cy - L * Math.cos(s[0])); ctx.stroke();
    ctx.beginPath(); ctx.arc(cx, cy, 4, 0, 2 * Math.PI); ctx.fill();
  }
}

/** A text task's state as text (SortDigits: the prompt, the output so far, and the verifier's score), else null. */
export function envText(env: string, s: Float32Array): string | null {
  if (!env.startsWith('SortDigits')) return null;
  const prompt = Array.from(s.subarray(0, 4)), out = Array.from(s.subarray(4, 8));
  const sorted = [...prompt].sort((a, b) => a - b), right = out.filter((d, k) => d === sorted[k]).length;
  const written = out.every((d) => d >= 0);
  return `prompt ${prompt.join(' ')} → output ${out.map((d) => (d < 0 ? '_' : String(d))).join(' ')}` +
    (written ? (right === 4 ? '  exact' : `  ${right}/4 in place`) : '');
}
