// f64 references of Gymnasium's classic-control dynamics, for parity tests of shaders/envs/.
import type { ActionSpace } from './spec.js';
import type { JsEnv, JsEnvSpec } from './js_env.js';
import { CpuRng } from '../util/random.js';
export interface RefStep { state: number[]; reward: number; terminated: boolean; obs: number[] }
export interface RefEnv {
  step(s: number[], a: number | number[]): RefStep;
  reset(u: number[]): number[];
  observe(s: number[]): number[];
}

const cartpole: RefEnv = {
  reset: (u) => u.map((x) => x * 0.1 - 0.05),
  observe: (s) => s.slice(),
  step(s, a) {
    const force = a === 1 ? 10 : -10;
    const [x, xd, th, thd] = s;
    const ct = Math.cos(th), st = Math.sin(th);
    const temp = (force + 0.05 * thd * thd * st) / 1.1;
    const thacc = (9.8 * st - ct * temp) / (0.5 * (4 / 3 - 0.1 * ct * ct / 1.1));
    const xacc = temp - 0.05 * thacc * ct / 1.1;
    const n = [x + 0.02 * xd, xd + 0.02 * xacc, th + 0.02 * thd, thd + 0.02 * thacc];
    const lim = (12 * 2 * Math.PI) / 360;
    const terminated = n[0] < -2.4 || n[0] > 2.4 || n[2] < -lim || n[2] > lim;
    return { state: n, reward: 1, terminated, obs: n.slice() };
  },
};

function acrobotDsdt(s: number[], a: number): number[] {
  const [th1, th2, d1t, d2t] = s;
  const m1 = 1, m2 = 1, l1 = 1, lc1 = 0.5, lc2 = 0.5, I1 = 1, I2 = 1, g = 9.8;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(th2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(th2)) + I2;
  const phi2 = m2 * lc2 * g * Math.cos(th1 + th2 - Math.PI / 2);
  const phi1 = -m2 * l1 * lc2 * d2t ** 2 * Math.sin(th2) - 2 * m2 * l1 * lc2 * d2t * d1t * Math.sin(th2) + (m1 * lc1 + m2 * l1) * g * Math.cos(th1 - Math.PI / 2) + phi2;
  const dd2 = (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * d1t ** 2 * Math.sin(th2) - phi2) / (m2 * lc2 ** 2 + I2 - d2 ** 2 / d1);
  const dd1 = -(d2 * dd2 + phi1) / d1;
  return [d1t, d2t, dd1, dd2];
}
function wrap(x: number, m: number, M: number): number {
  const d = M - m;
  while (x > M) x -= d;
  while (x < m) x += d;
  return x;
}
const acrobot: RefEnv = {
  reset: (u) => u.map((x) => x * 0.2 - 0.1),
  observe: (s) => [Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]],
  step(s, a) {
    const torque = (a as number) - 1, dt = 0.2;
    const add = (x: number[], k: number[], h: number) => x.map((v, i) => v + h * k[i]);
    const k1 = acrobotDsdt(s, torque), k2 = acrobotDsdt(add(s, k1, dt / 2), torque);
    const k3 = acrobotDsdt(add(s, k2, dt / 2), torque), k4 = acrobotDsdt(add(s, k3, dt), torque);
    const y = s.map((v, i) => v + (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
    const n = [wrap(y[0], -Math.PI, Math.PI), wrap(y[1], -Math.PI, Math.PI), Math.min(Math.max(y[2], -4 * Math.PI), 4 * Math.PI), Math.min(Math.max(y[3], -9 * Math.PI), 9 * Math.PI)];
    const terminated = -Math.cos(n[0]) - Math.cos(n[1] + n[0]) > 1;
    return { state: n, reward: terminated ? 0 : -1, terminated, obs: acrobot.observe(n) };
  },
};

const mountainCar: RefEnv = {
  reset: (u) => [-0.6 + 0.2 * u[0], 0],
  observe: (s) => s.slice(),
  step(s, a) {
    let v = s[1] + ((a as number) - 1) * 0.001 + Math.cos(3 * s[0]) * -0.0025;
    v = Math.min(Math.max(v, -0.07), 0.07);
    const p = Math.min(Math.max(s[0] + v, -1.2), 0.6);
    if (p === -1.2 && v < 0) v = 0;
    const terminated = p >= 0.5 && v >= 0;
    return { state: [p, v], reward: -1, terminated, obs: [p, v] };
  },
};

const angleNormalize = (x: number) => ((((x + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
const pendulum: RefEnv = {
  reset: (u) => [Math.PI * (2 * u[0] - 1), 2 * u[1] - 1],
  observe: (s) => [Math.cos(s[0]), Math.sin(s[0]), s[1]],
  step(s, a) {
    const u = Math.min(Math.max((a as number[])[0], -2), 2);
    const [th, thd] = s;
    const cost = angleNormalize(th) ** 2 + 0.1 * thd ** 2 + 0.001 * u ** 2;
    const nthd = Math.min(Math.max(thd + (3 * 10 / 2 * Math.sin(th) + 3 * u) * 0.05, -8), 8);
    const n = [th + nthd * 0.05, nthd];
    return { state: n, reward: -cost, terminated: false, obs: pendulum.observe(n) };
  },
};

const mountainCarContinuous: RefEnv = {
  reset: (u) => [-0.6 + 0.2 * u[0], 0],
  observe: (s) => s.slice(),
  step(s, a) {
    const raw = (a as number[])[0];
    const f = Math.min(Math.max(raw, -1), 1);
    let v = Math.min(Math.max(s[1] + f * 0.0015 - 0.0025 * Math.cos(3 * s[0]), -0.07), 0.07);
    const p = Math.min(Math.max(s[0] + v, -1.2), 0.6);
    if (p === -1.2 && v < 0) v = 0;
    const terminated = p >= 0.45 && v >= 0;
    return { state: [p, v], reward: (terminated ? 100 : 0) - 0.1 * raw * raw, terminated, obs: [p, v] };
  },
};

/** SortDigits: prompt of 4 digits, one output digit per step, scored against the sorted prompt at the end. */
function sortDigits(exact: boolean): RefEnv {
  const observe = (s: number[]) => {
    const o = new Array(84).fill(0);
    for (let k = 0; k < 4; k++) { o[10 * k + s[k]] = 1; if (s[4 + k] >= 0) o[40 + 10 * k + s[4 + k]] = 1; }
    o[80 + s[8]] = 1;
    return o;
  };
  return {
    reset: (u) => [...u.map((x) => Math.min(Math.floor(x * 10), 9)), -1, -1, -1, -1, 0],
    observe,
    step(s, a) {
      const t = s[8], n = s.slice();
      n[4 + Math.min(t, 3)] = Math.min(a as number, 9);
      n[8] = t + 1;
      const terminated = t + 1 >= 4;
      let reward = 0;
      if (terminated) {
        const sorted = s.slice(0, 4).sort((x, y) => x - y);
        const correct = sorted.filter((d, k) => n[4 + k] === d).length;
        reward = exact ? Number(correct === 4) : correct / 4;
      }
      return { state: n, reward, terminated, obs: observe(n) };
    },
  };
}

export const REFERENCE_ENVS: Record<string, RefEnv> = {
  'CartPole-v1': cartpole, 'Acrobot-v1': acrobot, 'MountainCar-v0': mountainCar,
  'Pendulum-v1': pendulum, 'MountainCarContinuous-v0': mountainCarContinuous,
  'SortDigits-v0': sortDigits(false), 'SortDigitsExact-v0': sortDigits(true),
};

/**
 * A built-in environment as a JS environment (f64 reference dynamics on the CPU, with the
 * time limit `maxEpisodeSteps`): for comparing the host-stepped path with the GPU one.
 */
export function referenceJsEnvSpec(id: string, obsDim: number, action: ActionSpace, maxEpisodeSteps: number): JsEnvSpec {
  const ref = REFERENCE_ENVS[id];
  if (!ref) throw new Error(`no reference dynamics for '${id}'`);
  return {
    id: `Js${id}`, obsDim, action,
    make(index: number): JsEnv {
      let rng = new CpuRng(index), s: number[] = [], t = 0;
      return {
        reset(seed?: number) {
          if (seed !== undefined) rng = new CpuRng(seed);
          s = ref.reset([rng.next(), rng.next(), rng.next(), rng.next()]); t = 0;
          return ref.observe(s);
        },
        step(action) {
          const r = ref.step(s, action); s = r.state; t++;
          return { observation: r.obs, reward: r.reward, terminated: r.terminated, truncated: t >= maxEpisodeSteps };
        },
      };
    },
  };
}
