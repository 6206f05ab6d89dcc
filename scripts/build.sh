#!/usr/bin/env bash
# Generates the WGSL string table, compiles TypeScript to dist/, bundles the browser build.
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/gen-shaders.mjs
# From scratch, so nothing a removed source or an older build wrote is shipped.
rm -rf dist
npx tsc -p tsconfig.build.json
chmod +x dist/cli.js
npx esbuild src/browser.ts --bundle --format=esm --platform=browser --target=es2022 \
  --outfile=dist/browser/wgrl.js --log-level=warning
# Benchmarks (bench/) bundled for Node; Dawn and TF.js stay external packages.
npx esbuild bench/main.ts --bundle --platform=node --format=esm --target=node20 --outfile=dist/bench/main.js \
  --external:webgpu --external:@tensorflow/* --log-level=warning
# The in-browser demo: the same library, bundled with the page's code and uPlot.
mkdir -p dist/demo
npx esbuild demo/main.ts --bundle --format=esm --platform=browser --target=es2022 --outfile=dist/demo/main.js --log-level=warning
cp demo/index.html dist/demo/index.html
cp node_modules/uplot/dist/uPlot.min.css dist/demo/uPlot.min.css
