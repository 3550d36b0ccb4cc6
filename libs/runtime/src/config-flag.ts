import { z } from "zod";

/** A boolean setting that also reads "true"/"false" from the environment (z.coerce.boolean would take "false" as true). */
export const configFlag = z.preprocess((v) => (v === "true" ? true : v === "false" ? false : v), z.boolean());
