import { defineConfig } from "vitest/config";

// Tests are named by kind so one kind can run alone: `npm run test:unit`, `test:int`, `test:e2e`.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    // The JSON report feeds the plain "N passed, N failed, N skipped" line that .ci/run prints.
    reporters: ["default", "json"],
    outputFile: { json: "test-output/vitest.json" },
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["**/*.unit.test.ts"], exclude: ["node_modules/**"] } },
      { extends: true, test: { name: "int", include: ["**/*.int.test.ts"], exclude: ["node_modules/**"] } },
      { extends: true, test: { name: "e2e", include: ["**/*.e2e.test.ts"], exclude: ["node_modules/**"] } },
    ],
  },
});
