/**
 * Schema pieces the config schemas share. A zod schema is an immutable
 * value, so one instance can sit under any number of keys; every
 * construction, though, runs at every start of the executable (the
 * schemas are module constants), and the config modules built ~200 of
 * them, most identical (BENCHMARKS.md, "Fifth pass").
 *
 * @module
 */
import * as z from "zod/mini";
import "./zod.ts";

/** Any string. */
export const text = z.string();
/** A string, absent or null. */
export const nullishText = z.nullish(text);
/** A string, or absent. */
export const optionalText = z.optional(text);
/** A list of strings. */
const textList = z.array(text);
/** A list of strings, absent or null. */
export const nullishTextList = z.nullish(textList);
/** A list of strings, or absent. */
export const optionalTextList = z.optional(textList);
/** An integer. */
const integer = z.number().check(z.int());
/** An integer, absent or null. */
export const nullishInteger = z.nullish(integer);

/** A Go-style boolean: absent or null means false. */
export const goBool = z.pipe(
  z.nullish(z.boolean()),
  z.transform((v: boolean | null | undefined) => v ?? false),
);

/**
 * An integer in [min, max], absent or null: kernel fields are fixed-width,
 * and a value outside would wrap silently.
 */
export function nullishIntegerIn(min: number, max: number) {
  return z.nullish(z.number().check(z.int(), z.minimum(min), z.maximum(max)));
}
