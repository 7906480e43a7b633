/**
 * Schema pieces the config schemas share, {@link builtOnFirstUse}, which
 * every config schema is made with, and {@link formattedText}, the one way
 * a schema refines a string.
 *
 * A zod schema is an immutable value, so one instance can sit under any
 * number of keys. Building one costs, though (the first construction of
 * each zod class runs cold): a plugin whose config passes its generated
 * validator never needs them, so none is built at load.
 *
 * @module
 */
import * as z from "zod/mini";
import "./zod-setup.ts";
import { FORMATS, type FormatName } from "./schema-functions.ts";

/**
 * `build`, run once, on the first call of the function returned.
 *
 * @example export const fooSchema = builtOnFirstUse(() => z.object({ foo: z.string() }));
 */
export function builtOnFirstUse<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/**
 * The JSON Schema `format` of each refined string: scripts/gen-schemas.ts
 * passes it to `z.toJSONSchema`, so the generated validators check what
 * the refinement checks.
 */
export const stringFormats = z.registry<{ format: FormatName }>();

/**
 * A string refined by `FORMATS[format]`, failing with `message`.
 *
 * @example formattedText("cidr", "invalid CIDR address")
 */
export function formattedText(format: FormatName, message: string) {
  return z.string().check(z.refine(FORMATS[format], { message })).register(stringFormats, { format });
}

/** The shared pieces, built together on first use. */
export const schemaParts = builtOnFirstUse(() => {
  const text = z.string();
  const textList = z.array(text);
  const integer = z.number().check(z.int());
  return {
    /** Any string. */
    text,
    /** A string, absent or null. */
    nullishText: z.nullish(text),
    /** A string, or absent. */
    optionalText: z.optional(text),
    /** A list of strings, absent or null. */
    nullishTextList: z.nullish(textList),
    /** A list of strings, or absent. */
    optionalTextList: z.optional(textList),
    /** An integer, absent or null. */
    nullishInteger: z.nullish(integer),
    /** A Go-style boolean: absent or null, which the reader takes as false. */
    nullishBool: z.nullish(z.boolean()),
  };
});

/**
 * An integer in [min, max], absent or null: kernel fields are fixed-width,
 * and a value outside would wrap silently.
 */
export function nullishIntegerIn(min: number, max: number) {
  return z.nullish(z.number().check(z.int(), z.minimum(min), z.maximum(max)));
}
