/**
 * Which config schemas get a compiled accept path, and the generated
 * module's source (`npm run schemas` writes it; a test checks it is
 * current). Used by scripts/gen-schemas.ts and the tests, never at run time.
 *
 * @module
 */
import { hostLocalConfSchema } from "../../ipam/host-local/config.ts";
import { bridgeConfSchema } from "../../plugins/bridge/config.ts";
import { gcAttachmentsSchema } from "../../plugins/bridge/gc-conf.ts";
import { compileAcceptPaths } from "./accept-path-compiler.ts";
import * as schemaFunctions from "./schema-functions.ts";

/** The generated module, relative to the repository's root. */
export const ACCEPT_PATHS_FILE = "src/config/accept-paths.generated.ts";

/**
 * The source of {@link ACCEPT_PATHS_FILE}: the accept paths of every
 * document a runtime's verb parses (the bridge's config, host-local's,
 * which runs in-process, and the attachments of a bridge GC).
 */
export function generateAcceptPaths(): string {
  return compileAcceptPaths(
    [
      { exportName: "acceptBridgeConf", keysExportName: "BRIDGE_CONF_KEYS", schema: bridgeConfSchema() },
      { exportName: "acceptHostLocalConf", schema: hostLocalConfSchema() },
      { exportName: "acceptGcAttachments", schema: gcAttachmentsSchema() },
    ],
    schemaFunctions,
    "./schema-functions.ts",
  );
}
