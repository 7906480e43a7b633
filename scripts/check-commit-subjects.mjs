#!/usr/bin/env node
// Fails when a commit subject is longer than 72 characters, so that
// `git log --oneline` reads like a table of contents.
//   node scripts/check-commit-subjects.mjs            every commit after BASE
//   node scripts/check-commit-subjects.mjs MSGFILE    one message (the commit-msg hook)
// History up to BASE is left as it was written.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MAX = 72;
const BASE = "53fc7c9";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function git(...args) {
  return spawnSync("git", args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
}

/** The subject of a message as git shows it: the first line that is not a comment. */
function subjectOf(message) {
  return message.split("\n").find((line) => !line.startsWith("#")) ?? "";
}

const messageFile = process.argv[2];
const subjects = [];
if (messageFile) {
  subjects.push({ id: "this commit", subject: subjectOf(readFileSync(messageFile, "utf8")) });
} else {
  if (git("cat-file", "-e", `${BASE}^{commit}`).status !== 0) {
    console.log(`commit subjects: not checked (no git history with ${BASE} here)`);
    process.exit(0);
  }
  const log = git("log", "--no-merges", "--format=%h%x00%s", `${BASE}..HEAD`);
  if (log.status !== 0) {
    process.stderr.write(log.stderr);
    process.exit(1);
  }
  for (const line of log.stdout.split("\n").filter(Boolean)) {
    const [id, subject] = line.split("\0");
    subjects.push({ id, subject });
  }
}
const long = subjects.filter(({ subject }) => [...subject].length > MAX);
for (const { id, subject } of long) console.log(`${id}: subject is ${[...subject].length} characters (at most ${MAX}): ${subject}`);
process.exit(long.length === 0 ? 0 : 1);
