import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

// Tests go through swc, not esbuild: esbuild drops `emitDecoratorMetadata`, and the DSL reads the
// input DTO of a function from that metadata.
export default defineConfig({
  plugins: [swc.vite({ module: { type: 'es6' }, tsconfigFile: './tsconfig.test.json' })],
  test: {
    // Under CI, also write a JSON report so that .ci/run can print a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.ci/results/vitest.json' }]] : ['default'],
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts', 'test/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
  },
});
