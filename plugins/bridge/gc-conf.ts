/** The attachments a GC request says the runtime still has. */
import * as z from "zod/mini";
import { parseValidated } from "../../src/config/net-conf.ts";
import { builtOnFirstUse } from "../../src/config/schema-parts.ts";
import { validateGcAttachments } from "./config.generated.ts";

export const gcAttachmentsSchema = builtOnFirstUse(() =>
  z.looseObject({
    "cni.dev/valid-attachments": z.nullish(z.array(z.looseObject({ containerID: z.string(), ifname: z.string() }))),
  }),
);

export type GcAttachment = NonNullable<z.infer<ReturnType<typeof gcAttachmentsSchema>>["cni.dev/valid-attachments"]>[number];

/**
 * Undefined or null when the request names none.
 * @throws {InvalidConfigError} (7) the list is malformed
 */
export function parseGcAttachments(raw: unknown): GcAttachment[] | null | undefined {
  return parseValidated(validateGcAttachments, gcAttachmentsSchema, raw)["cni.dev/valid-attachments"];
}
