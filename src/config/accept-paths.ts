/**
 * Which config schemas get a compiled accept path, and the generated
 * module's source (`npm run schemas` writes it; a test checks it is
 * current). Used by scripts/gen-schemas.ts and the tests, never at run time.
 *
 * @module
 */
import { hostLocalConfSchema } from "../../ipam/host-local/config.ts";
import { bridgeConfSchema } from "../../plugins/bridge/config.ts";
import { compileAcceptPaths } from "./accept-path-compiler.ts";
import * as schemaFunctions from "./schema-functions.ts";

/** The generated module, relative to the repository's root. */
export const ACCEPT_PATHS_FILE = "src/config/accept-paths.generated.ts";

/**
 * The source of {@link ACCEPT_PATHS_FILE}: the accept paths of the two
 * configs every bridge verb parses (the bridge's, and host-local's, which
 * runs in-process).
 */
export function generateAcceptPaths(): string {
  return compileAcceptPaths(
    [
      { exportName: "acceptBridgeConf", keysExportName: "BRIDGE_CONF_KEYS", schema: bridgeConfSchema() },
      { exportName: "acceptHostLocalConf", schema: hostLocalConfSchema() },
    ],
    schemaFunctions,
    "./schema-functions.ts",
  );
}
