// Device acquisition in Node through Dawn (the `webgpu` package): a hardware adapter where
// the machine has one, SwiftShader (Debian chromium's Vulkan ICD) where it does not.
import { existsSync, readdirSync } from 'node:fs';
import { adapterName, deviceFromGpu, GpuError, type WgrlDevice } from './device.js';
import { didYouMean, isMissingPackage } from '../errors.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const ICD_DIRS = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
// Container images with NVIDIA's toolkit put the driver's manifest here, outside the loader's search path.
const EXTRA_ICD_DIRS = ['/usr/local/nvidia/share/vulkan/icd.d'];

export interface NodeGpuOptions {
  /** 'auto' (default): hardware first, SwiftShader if none; 'swiftshader': force the software adapter. */
  adapter?: AdapterChoice;
  /** Print the adapter in use to stderr (default true). */
  verbose?: boolean;
  /** Seconds one wait for the GPU may take before it fails instead of hanging (default 300; 0: forever). See WgrlDevice.gpuTimeoutMs. */
  gpuTimeoutSeconds?: number;
}

function manifests(dirs: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    try { for (const f of readdirSync(d)) if (f.endsWith('.json')) out.push(`${d}/${f}`); } catch { /* absent */ }
  }
  return out;
}

type DawnModule = { create: (flags: string[]) => GPU; globals: Record<string, unknown> };
let dawn: DawnModule | null = null;

async function loadDawn(): Promise<DawnModule> {
  if (!dawn) {
    try {
      dawn = (await import('webgpu')) as unknown as DawnModule;
    } catch (e) {
      // An optional peer dependency: browser users never install Dawn's 130 MB of binaries.
      if (isMissingPackage(e, 'webgpu')) throw new GpuError("wgrl in Node needs Dawn's bindings, the 'webgpu' package, which is not installed: run npm install webgpu (browsers need nothing: use createBrowserDevice)", 'no-adapter');
      throw e;
    }
    // WebGPU's constants (GPUBufferUsage…) as globals, as in a browser.
    for (const [k, v] of Object.entries(dawn.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  return dawn;
}

async function tryCreate(label: string): Promise<WgrlDevice | null> {
  const { create } = await loadDawn();
  // The GPU object must outlive the device: if it is collected, Dawn aborts at the next await.
  const gpu = create([]);
  try {
    return await deviceFromGpu(gpu, gpu);
  } catch (e) {
    if (process.env.WGRL_DEBUG) console.error(`wgrl: ${label} adapter failed: ${(e as Error).message}`);
    return null;
  }
}

export const ADAPTER_CHOICES = ['auto', 'swiftshader', 'hardware'] as const;
export type AdapterChoice = typeof ADAPTER_CHOICES[number];

/** The adapter asked for by the option, else WGRL_ADAPTER, else 'auto'; anything else is an error. */
export function checkAdapterChoice(option: string | undefined, envVar: string | undefined): AdapterChoice {
  const [value, source] = option !== undefined ? [option, '--adapter'] : envVar ? [envVar, 'WGRL_ADAPTER'] : ['auto', ''];
  if (!(ADAPTER_CHOICES as readonly string[]).includes(value)) {
    throw new GpuError(`unknown adapter ${source} = '${value}'${didYouMean(value, ADAPTER_CHOICES)}; choose one of ${ADAPTER_CHOICES.join(', ')}`, 'input');
  }
  return value as AdapterChoice;
}

/**
 * A wgrl device in Node. Order: a hardware Vulkan adapter if a driver manifest exists,
 * else SwiftShader. `WGRL_ADAPTER=swiftshader` forces the software adapter.
 */
export async function createNodeDevice(opts: NodeGpuOptions = {}): Promise<WgrlDevice> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const want = checkAdapterChoice(opts.adapter, process.env.WGRL_ADAPTER);
  const timeout = opts.gpuTimeoutSeconds;
  if (timeout !== undefined && !(Number.isFinite(timeout) && timeout >= 0)) throw new GpuError(`gpuTimeoutSeconds must be a number of seconds >= 0 (0: no limit), got ${timeout}`, 'input');
  const verbose = opts.verbose ?? true;
  let dev: WgrlDevice | null = null;
  const userIcd = process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES;
  if (want !== 'swiftshader') {
    const extra = manifests(EXTRA_ICD_DIRS);
    if (extra.length && !userIcd) process.env.VK_ADD_DRIVER_FILES ??= extra.join(':');
    if (userIcd || manifests(ICD_DIRS).length || extra.length) dev = await tryCreate('hardware');
  }
  if (!dev && want !== 'hardware') {
    if (!existsSync(SWIFTSHADER_ICD)) {
      throw new GpuError(
        `no GPU adapter found and SwiftShader is not installed (${SWIFTSHADER_ICD} missing). ` +
        `Install it with: apt-get install -y chromium libvulkan1 (or run 'npm run setup' as root), ` +
        `or install your GPU's Vulkan driver.`, 'no-adapter');
    }
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    dev = await tryCreate('swiftshader');
  }
  if (!dev) {
    throw new GpuError(
      want === 'hardware'
        ? 'no hardware GPU adapter found: install the GPU\'s Vulkan driver (check with vulkaninfo), or drop --adapter hardware'
        : 'no GPU adapter: Dawn found neither a hardware Vulkan driver nor SwiftShader. Install libvulkan1 and chromium (apt-get install -y chromium libvulkan1).',
      'no-adapter');
  }
  if (opts.gpuTimeoutSeconds !== undefined) dev.gpuTimeoutMs = opts.gpuTimeoutSeconds * 1000;
  // Dawn's bindings poll while a wait is pending; on a software adapter that takes a core from the
  // shaders, so the host looks every half millisecond instead (a hardware GPU runs on its own).
  if (dev.adapter.isSoftware) dev.pollIntervalMs = 0.5;
  if (verbose) console.error(`wgrl: adapter ${adapterName(dev.adapter)}`);
  return dev;
}
