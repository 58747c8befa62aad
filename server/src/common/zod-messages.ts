/**
 * zod's own message for a field that is missing altogether is "Invalid input: expected string, received undefined",
 * which reads as if the caller had sent something wrong. A 400 names the field anyway, so its message says what is
 * wrong with it: "required". Set once for the process, below every schema's own message (a schema that says what it
 * expects keeps its words, as zod ranks a schema's error above the global one); nothing else of zod's text changes.
 */
import { z } from "zod";

const REQUIRED_MESSAGE = "required";

/** The issues zod raises for a value that is not there: of a type, of a union's branches, of an enum or literal. */
const MISSING: ReadonlySet<string> = new Set(["invalid_type", "invalid_union", "invalid_value"]);

z.config({
  customError: (issue) => (MISSING.has(issue.code ?? "") && issue.input === undefined ? REQUIRED_MESSAGE : undefined),
});
