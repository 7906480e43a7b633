/**
 * Writes what is generated from the plugins' zod schemas: schemas/*.schema.json
 * (JSON Schemas for editors and operators) and the plugins' config.generated.ts
 * (the validators valid configs pass without zod: ./lib/config-validators.ts).
 * `--check` writes nothing and exits 1 when a file is missing or stale.
 *
 * Usage: node scripts/gen-schemas.ts [--check]
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SCHEMAS_DIR, generateJsonSchemas } from "../src/validate/json-schemas.ts";
import { generateValidators } from "./lib/config-validators.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const check = process.argv.includes("--check");
const files = new Map<string, string>([...generateJsonSchemas()].map(([name, text]) => [`${SCHEMAS_DIR}/${name}`, text]));
for (const [file, text] of generateValidators()) files.set(file, text);

let stale = 0;
mkdirSync(join(root, SCHEMAS_DIR), { recursive: true });
for (const [file, text] of files) {
  const path = join(root, file);
  let current: string | undefined;
  try {
    current = readFileSync(path, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) continue;
  if (check) {
    process.stderr.write(`${file} is ${current === undefined ? "missing" : "out of date"}\n`);
    stale++;
  } else {
    writeFileSync(path, text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
if (check && stale > 0) {
  process.stderr.write("run: npm run schemas\n");
  process.exit(1);
}
