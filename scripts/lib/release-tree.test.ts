import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";

const { reproducibleTar, sha256File } = (await import(new URL("./release-tree.mjs", import.meta.url).href)) as {
  reproducibleTar: (options: { file: string; dir: string; epoch: string; gzip: boolean }) => void;
  sha256File: (path: string) => string;
};

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The archive of one file under bin/, made with the given modes (what a builder's umask gives). */
function archive(fileMode: number, dirMode: number): string {
  const work = mkdtempSync(join(tmpdir(), "cnits-tar-"));
  dirs.push(work);
  const tree = join(work, "tree");
  mkdirSync(join(tree, "bin"), { recursive: true });
  writeFileSync(join(tree, "bin/cni-ts"), "#!/bin/sh\n");
  chmodSync(join(tree, "bin/cni-ts"), fileMode);
  chmodSync(join(tree, "bin"), dirMode);
  chmodSync(tree, dirMode);
  reproducibleTar({ file: join(work, "out.tar"), dir: tree, epoch: "1", gzip: false });
  return sha256File(join(work, "out.tar"));
}

it("makes the same bytes whatever the builder's umask (022 as root, 002 for many users)", () => {
  expect(archive(0o775, 0o775)).toBe(archive(0o755, 0o755));
});
