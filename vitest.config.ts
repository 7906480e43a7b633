import { configDefaults, defineConfig } from "vitest/config";

// `unit` runs pure modules unprivileged and in parallel. `integration` needs
// root, the built dist/bin executables and real network namespaces, so its
// files run one at a time, after the unit files, to keep kernel state
// readable. `slow` is the part of it that takes minutes (hundreds of kills
// and races, images, arm64 under qemu, the CRI cluster): `npm test` and CI
// run it last, `npm run test:quick` leaves it out.
const SLOW = [
  "test/reliability/crash.test.ts",
  "test/reliability/add-del-race.test.ts",
  "test/reliability/load.test.ts",
  "test/build/image.test.ts",
  "test/build/arm64.test.ts",
  "test/build/package.test.ts",
  "test/cri/**/*.test.ts",
];
const integration = { fileParallelism: false, testTimeout: 60_000, hookTimeout: 60_000 };

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
          exclude: [...configDefaults.exclude, ...SLOW],
          sequence: { groupOrder: 1 },
          ...integration,
        },
      },
      { test: { name: "slow", include: SLOW, sequence: { groupOrder: 2 }, ...integration } },
    ],
  },
});
