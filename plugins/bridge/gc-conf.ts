/**
 * What a bridge GC reads beyond the bridge's own config: the attachments
 * the runtime still has. Pure.
 *
 * @module
 */
import * as z from "zod/mini";
import { parseValidated } from "../../src/config/net-conf.ts";
import { builtOnFirstUse } from "../../src/config/schema-parts.ts";
import { validateGcAttachments } from "./config.generated.ts";

/** The part of a GC request that names the valid attachments. */
export const gcAttachmentsSchema = builtOnFirstUse(() =>
  z.looseObject({
    "cni.dev/valid-attachments": z.nullish(z.array(z.looseObject({ containerID: z.string(), ifname: z.string() }))),
  }),
);

/** One attachment the runtime still has. */
export type GcAttachment = NonNullable<z.infer<ReturnType<typeof gcAttachmentsSchema>>["cni.dev/valid-attachments"]>[number];

/**
 * The valid attachments of a GC request; undefined or null when it names none.
 *
 * @throws {InvalidConfigError} (7) when the list is malformed
 * @example parseGcAttachments({ "cni.dev/valid-attachments": [{ containerID: "c1", ifname: "eth0" }] })
 */
export function parseGcAttachments(raw: unknown): GcAttachment[] | null | undefined {
  return parseValidated(validateGcAttachments, gcAttachmentsSchema, raw)["cni.dev/valid-attachments"];
}
