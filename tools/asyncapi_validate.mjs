// Validate AsyncAPI documents with the official parser (@asyncapi/parser, pinned in package.json).
// Usage: node tools/asyncapi_validate.mjs FILE.json [FILE.json ...]
// Prints every diagnostic; exits 1 when any document has an error (or cannot be parsed), else 0.
import { readFileSync } from "node:fs";
import { Parser } from "@asyncapi/parser";

const ERROR = 0; // DiagnosticSeverity.Error
const parser = new Parser();
let failed = false;
for (const file of process.argv.slice(2)) {
  const { document, diagnostics } = await parser.parse(readFileSync(file, "utf8"));
  const errors = diagnostics.filter((d) => d.severity === ERROR);
  for (const d of diagnostics) {
    const where = d.path?.length ? d.path.join(".") : "(document)";
    console.log(`${file}: ${d.severity === ERROR ? "error" : "warning"} ${d.code} at ${where}: ${d.message}`);
  }
  if (document === undefined || errors.length > 0) {
    failed = true;
    console.log(`${file}: INVALID (${errors.length} error(s))`);
  } else {
    console.log(`${file}: valid AsyncAPI ${document.version()}`);
  }
}
if (process.argv.length < 3) {
  console.log("usage: node tools/asyncapi_validate.mjs FILE.json [FILE.json ...]");
  failed = true;
}
process.exit(failed ? 1 : 0);
