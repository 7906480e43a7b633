/**
 * What a bridge GC reads beyond the bridge's own config: the attachments
 * the runtime still has. Pure.
 *
 * @module
 */
import type * as z from "zod/mini";
import { zod } from "../../src/config/zod.ts";
// A namespace import: scripts/gen-schemas.ts loads this module to write that file.
import * as acceptPaths from "../../src/config/accept-paths.generated.ts";
import { parseAccepted } from "../../src/config/net-conf.ts";
import { builtOnFirstUse } from "../../src/config/schema-parts.ts";

/** The part of a GC request that names the valid attachments. */
export const gcAttachmentsSchema = builtOnFirstUse(() => {
  const z = zod();
  return z.looseObject({
    "cni.dev/valid-attachments": z.nullish(z.array(z.looseObject({ containerID: z.string(), ifname: z.string() }))),
  });
});

/** One attachment the runtime still has. */
export type GcAttachment = NonNullable<z.infer<ReturnType<typeof gcAttachmentsSchema>>["cni.dev/valid-attachments"]>[number];

/**
 * The valid attachments of a GC request; undefined or null when it names none.
 *
 * @throws {InvalidConfigError} (7) when the list is malformed
 * @example parseGcAttachments({ "cni.dev/valid-attachments": [{ containerID: "c1", ifname: "eth0" }] })
 */
export function parseGcAttachments(raw: unknown): GcAttachment[] | null | undefined {
  return parseAccepted(acceptPaths.acceptGcAttachments, gcAttachmentsSchema, raw)["cni.dev/valid-attachments"];
}
