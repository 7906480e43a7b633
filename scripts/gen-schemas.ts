/**
 * Writes schemas/*.schema.json from the plugins' zod schemas.
 * `--check` writes nothing and exits 1 when a file is missing or stale.
 *
 * Usage: node scripts/gen-schemas.ts [--check]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCHEMAS_DIR, generateJsonSchemas } from "../src/validate/json-schemas.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dir = join(root, SCHEMAS_DIR);
const check = process.argv.includes("--check");
let stale = 0;
mkdirSync(dir, { recursive: true });
for (const [name, text] of generateJsonSchemas()) {
  const path = join(dir, name);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) {
    process.stderr.write(`${SCHEMAS_DIR}/${name} is ${current === undefined ? "missing" : "out of date"}\n`);
    stale++;
  } else {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${SCHEMAS_DIR}/${name}\n`);
  }
}
if (check && stale > 0) {
  process.stderr.write("run: node scripts/gen-schemas.ts\n");
  process.exit(1);
}
