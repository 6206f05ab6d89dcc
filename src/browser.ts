// wgrl in the browser: the same core, with devices from navigator.gpu.
export * from './core.js';
import { deviceFromGpu, GpuError, adapterName, type WgrlDevice } from './gpu/device.js';

/** A wgrl device from navigator.gpu, or a GpuError saying what to enable. */
export async function createBrowserDevice(): Promise<WgrlDevice> {
  const gpu = (globalThis.navigator as Navigator & { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) {
    throw new GpuError('this browser has no WebGPU (navigator.gpu is missing): use a current Chrome or Edge, ' +
      'or enable WebGPU (chrome://flags/#enable-unsafe-webgpu; Firefox: dom.webgpu.enabled; Safari: Feature Flags > WebGPU)', 'no-adapter');
  }
  const dev = await deviceFromGpu(gpu);
  if (!dev) throw new GpuError('WebGPU is present but no GPU adapter was granted: check that hardware acceleration is on in the browser settings', 'no-adapter');
  console.info(`wgrl: adapter ${adapterName(dev.adapter)}`);
  return dev;
}
