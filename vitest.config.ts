import { defineConfig } from 'vitest/config';

// One project per package. Tests import packages by name; the `source` export condition points
// them at src/ so the suite needs no build step.
const pkg = (name: string) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/test/**/*.test.ts`] },
});

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    projects: [pkg('tensor'), pkg('autograd'), pkg('nn'), pkg('abba'), { extends: true, test: { name: 'examples', include: ['examples/test/**/*.test.ts'] } }],
    testTimeout: 60_000,
  },
});
