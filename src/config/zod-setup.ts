/**
 * Imported for its effect: English messages (`zod/mini` ships none) and no JIT, whose compiled fast
 * path a process parsing one document would never repay. `zod/mini` lets the bundler keep only the
 * schema types the configs use.
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config({ ...en(), jitless: true });
