import { defineConfig } from "vitest/config";

// Two projects: `unit` runs pure modules unprivileged and in parallel;
// `integration` needs root, the built dist/bin executables and real network
// namespaces, so its files run one at a time to keep kernel state readable.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "plugins/**/*.test.ts", "ipam/**/*.test.ts", "scripts/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
