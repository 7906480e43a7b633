/**
 * Schema pieces the config schemas share. None is built at load: building zod schemas costs, and a
 * config that passes its generated validator never needs them.
 */
import * as z from "zod/mini";
import "./zod-setup.ts";
import { FORMATS, type FormatName } from "./schema-functions.ts";

/** `build`, run once, on the first call of the function returned. */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/** Handed to `z.toJSONSchema`, so the generated validators check what the refinements check. */
export const stringFormats = z.registry<{ format: FormatName }>();

/** The one way a schema refines a string, so the generated validators know it. */
export function formattedText(format: FormatName, message: string) {
  return z.string().check(z.refine(FORMATS[format], { message })).register(stringFormats, { format });
}

export const schemaParts = builtOnFirstUse(() => {
  const text = z.string();
  const textList = z.array(text);
  const integer = z.number().check(z.int());
  return {
    text,
    nullishText: z.nullish(text),
    optionalText: z.optional(text),
    nullishTextList: z.nullish(textList),
    optionalTextList: z.optional(textList),
    nullishInteger: z.nullish(integer),
    /** Go-style: absent or null, which the reader takes as false. */
    nullishBool: z.nullish(z.boolean()),
  };
});

/** Kernel fields are fixed-width: a value outside [min, max] would wrap silently. */
export function nullishIntegerIn(min: number, max: number) {
  return z.nullish(z.number().check(z.int(), z.minimum(min), z.maximum(max)));
}
