/**
 * Checks every real answer against the OpenAPI document: an openapi-fetch middleware that
 * looks up the operation (path template + method) and the answer's status in
 * `docs/openapi.json` and validates the JSON body against that response's schema (JSON
 * Schema 2020-12, as OpenAPI 3.1 uses; `$ref`s resolved to `components.schemas`). A status
 * the document does not list, a body where none is documented (or none where one is), or a
 * body that does not match, or a documented header that is missing (when required) or does
 * not match its schema, is a drift between the spec and the server, and is recorded.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { Middleware } from "openapi-fetch";

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): Json | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  const v = value[key];
  return isRecord(v) ? v : undefined;
}

/** `#/components/schemas/X` -> a reference into the schema set registered below. */
const COMPONENTS = "#/components/schemas/";
const SCHEMA_SET = "proxima-openapi.json";

/** A copy of `schema` whose component `$ref`s point at the registered schema set. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    return schema.map(rebase);
  }
  return isRecord(schema) ? rebaseObject(schema) : schema;
}

function rebaseObject(schema: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "$ref" && typeof value === "string" && value.startsWith(COMPONENTS)) {
      out[key] = `${SCHEMA_SET}#/$defs/${value.slice(COMPONENTS.length)}`;
    } else {
      out[key] = rebase(value);
    }
  }
  return out;
}

/** A header's text as the JSON value its schema describes (`"3"` for an integer is 3). */
function headerValue(text: string, type: unknown): unknown {
  if ((type === "integer" || type === "number") && /^-?[0-9]+(\.[0-9]+)?$/.test(text)) {
    return Number(text);
  }
  if (type === "boolean" && (text === "true" || text === "false")) {
    return text === "true";
  }
  return text;
}

/** One answer that does not match the document. */
export interface Drift {
  operation: string;
  status: number;
  problem: string;
}

/** Validates answers against one OpenAPI document and keeps what it found. */
export class ResponseValidator {
  /** Every mismatch seen so far. */
  readonly drifts: Drift[] = [];
  /** How many answers were checked. */
  checked = 0;
  private readonly ajv: Ajv2020;
  private readonly paths: Json;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(document: unknown) {
    const paths = field(document, "paths");
    const schemas = field(field(document, "components"), "schemas");
    if (paths === undefined || schemas === undefined) {
      throw new Error("not an OpenAPI document: no paths or components.schemas");
    }
    this.paths = paths;
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
    formats.default(this.ajv, ["date", "date-time", "uuid", "email", "uri"]);
    // OpenAPI's integer formats, and its `example` annotation.
    this.ajv.addFormat("int32", {
      type: "number",
      validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
    });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    // The API's decimal strings (money, quantities, rates): digits, an optional fraction.
    this.ajv.addFormat("decimal", { type: "string", validate: /^-?[0-9]+(\.[0-9]+)?$/ });
    this.ajv.addKeyword({ keyword: "example" });
    this.ajv.addSchema({ $id: SCHEMA_SET, $defs: rebase(schemas) });
  }

  /** A validator of the document at `path` (default: `PROXIMA_OPENAPI` or `../../docs/openapi.json`). */
  static fromFile(path?: string): ResponseValidator {
    const file = path ?? process.env["PROXIMA_OPENAPI"] ?? "../../docs/openapi.json";
    const document: unknown = JSON.parse(readFileSync(file, "utf8"));
    return new ResponseValidator(document);
  }

  /** The openapi-fetch middleware: checks each answer, records drift, passes it on untouched. */
  middleware(): Middleware {
    return {
      onResponse: async ({ request, response, schemaPath }) => {
        await this.check(request.method, schemaPath, response.clone());
        return undefined;
      },
    };
  }

  /** Check one answer of `method schemaPath`. */
  async check(method: string, schemaPath: string, response: Response): Promise<void> {
    this.checked += 1;
    const operation = `${method.toUpperCase()} ${schemaPath}`;
    const status = response.status;
    const drift = (problem: string): void => {
      this.drifts.push({ operation, status, problem });
    };
    const op = field(field(this.paths, schemaPath), method.toLowerCase());
    if (op === undefined) {
      drift("the document has no such operation");
      return;
    }
    const responses = field(op, "responses");
    const documented = field(responses, String(status)) ?? field(responses, "default");
    if (documented === undefined) {
      drift(`status ${status} is not documented`);
      return;
    }
    this.checkHeaders(field(documented, "headers"), response.headers, `${operation} ${status}`, drift);
    const text = await response.text();
    const schema = field(field(field(documented, "content"), "application/json"), "schema");
    if (schema === undefined) {
      if (text.length > 0 && (response.headers.get("content-type") ?? "").includes("json")) {
        drift("a JSON body where the document has none");
      }
      return;
    }
    if (!(response.headers.get("content-type") ?? "").includes("application/json")) {
      drift(`content-type ${response.headers.get("content-type") ?? "(none)"}, not JSON`);
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      drift("the body is not JSON");
      return;
    }
    let validate: ValidateFunction;
    try {
      validate = this.compile(`${operation} ${status}`, schema);
    } catch (error) {
      drift(`the document's schema does not compile: ${String(error)}`);
      return;
    }
    if (!validate(body)) {
      drift(this.ajv.errorsText(validate.errors, { separator: "; ", dataVar: "body" }));
    }
  }

  /** Documented response headers: present when required, and matching their schema. */
  private checkHeaders(
    documented: Json | undefined,
    headers: Headers,
    key: string,
    drift: (problem: string) => void,
  ): void {
    for (const [name, definition] of Object.entries(documented ?? {})) {
      const value = headers.get(name);
      if (value === null) {
        if (isRecord(definition) && definition["required"] === true) {
          drift(`header ${name} is missing`);
        }
        continue;
      }
      const schema = field(definition, "schema");
      if (schema === undefined) {
        continue;
      }
      const validate = this.compile(`${key} header ${name}`, schema);
      if (!validate(headerValue(value, schema["type"]))) {
        drift(`header ${name}: ${this.ajv.errorsText(validate.errors, { dataVar: name })}`);
      }
    }
  }

  private compile(key: string, schema: Json): ValidateFunction {
    const known = this.compiled.get(key);
    if (known !== undefined) {
      return known;
    }
    const validate = this.ajv.compile(rebaseObject(schema));
    this.compiled.set(key, validate);
    return validate;
  }

  /** A readable list of the drifts, one a line. */
  report(): string {
    return this.drifts
      .map((d) => `  ${d.operation} -> ${d.status}: ${d.problem}`)
      .join("\n");
  }
}
