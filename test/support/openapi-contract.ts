/**
 * Checks the worker's responses against `docs/openapi.yaml` and its dereferenced bundle, so that the
 * description cannot drift from what the worker does: `leak-setup.ts` checks every worker response.
 * @module
 */
// The validator: @cfworker/json-schema. The tests run inside workerd, which refuses code generation
// from strings (eval, new Function), and Ajv, which nearly every OpenAPI response validator for
// JavaScript is built on (openapi-backend, openapi-response-validator, express-openapi-validator,
// jest-openapi), compiles each schema into a function that way. @cfworker/json-schema interprets
// schemas instead, supports draft 2020-12 (the dialect of OpenAPI 3.1's schemas), is run against the
// JSON-Schema-Test-Suite, and is the edge validator of the MCP TypeScript SDK. Checking in workerd,
// where the responses are, needs no second process to ship them to. What is OpenAPI rather than JSON
// Schema (finding the response by path, method and status; headers; media type) is the glue below.
import { dereference, type OutputUnit, type Schema, validate } from "@cfworker/json-schema";
import { parse } from "yaml";
// Written by the worker project's global setup (`bundle-openapi.ts`: `redocly bundle --dereferenced`).
import bundledDescription from "../../.generated/openapi.dereferenced.json?raw";
import description from "../../docs/openapi.yaml?raw";

/** A response as the check needs it: its body already read as text. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  body: string;
}

export interface Contract {
  /** What in `response` the description does not allow, one sentence each; `[]` when it matches. */
  check(method: string, url: string, response: ObservedResponse): string[];
}

type Json = Record<string, unknown>;

/** Where the document's `$ref`s resolve; any absolute URI will do. */
const BASE = "https://token-revocation.invalid/docs/openapi.yaml";
const NOISE = new Set(["A subschema had errors.", "An item in the array does not match the schema."]);
/** The keys of a path item that are operations. */
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/**
 * Parses an OpenAPI 3.1 description (local `$ref`s only).
 * @example loadContract(text).check("DELETE", "https://x/v2.0/tokens", { status: 204, headers, body: "" })
 */
export function loadContract(yaml: string = description): Contract {
  const doc = parse(yaml) as Json;
  // Registers every object of the document under BASE#<pointer>, so schema $refs resolve.
  const lookup = dereference(doc as Schema, Object.create(null), new URL(BASE));
  const resolve = (value: unknown): Json => {
    let node = value as Json;
    for (let hops = 0; typeof node?.$ref === "string"; hops++) {
      const ref = node.$ref as string;
      if (!ref.startsWith("#/") || hops > 8) throw new Error(`unsupported $ref ${ref}`);
      node = ref
        .slice(2)
        .split("/")
        .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
        .reduce<Json>((parent, key) => parent?.[key] as Json, doc);
      if (node === undefined) throw new Error(`unresolved $ref ${ref}`);
    }
    return node;
  };
  const schemaErrors = (instance: unknown, schema: unknown): string[] =>
    validate(instance, schema as Schema, "2020-12", lookup, false)
      .errors.filter((unit: OutputUnit) => !NOISE.has(unit.error))
      .map((unit: OutputUnit) => `${unit.instanceLocation.replace(/^#/, "") || "/"}: ${unit.error}`);

  const paths = Object.entries((doc.paths ?? {}) as Record<string, Json>).map(([template, item]) => ({
    template,
    item,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));
  const components = (doc.components ?? {}) as { responses?: Record<string, unknown>; parameters?: object };
  // Query parameter names the description declares: the only ones a message names.
  const queryNames = new Set(
    Object.values(components.parameters ?? {})
      .map((parameter) => resolve(parameter))
      .filter((parameter) => parameter.in === "query")
      .map((parameter) => String(parameter.name)),
  );
  const fallback = (name: string): Json => {
    const response = components.responses?.[name];
    if (!response) throw new Error(`docs/openapi.yaml has no components.responses.${name}`);
    return resolve(response);
  };

  return {
    check(method, url, response) {
      const { pathname, searchParams } = new URL(url);
      const path = paths.find((candidate) => candidate.pattern.test(pathname));
      // Never the raw path or query: either may hold a token.
      const query = [...new Set(searchParams.keys())]
        .map((name) => (queryNames.has(name) ? `${name}=…` : "…"))
        .join("&");
      const where = `${method} ${path?.template ?? "(a path not in the description)"}${query ? `?${query}` : ""} → ${response.status}`;

      // What the description says of this answer: the operation's response for its status, or for
      // what the description leaves out, the responses its text names (NotFound, MethodNotAllowed).
      let expected: Json | undefined;
      let status: string | undefined;
      const operation = METHODS.has(method.toLowerCase()) ? (path?.item[method.toLowerCase()] as Json) : undefined;
      if (!path) [expected, status] = [fallback("NotFound"), "404"];
      else if (!operation) [expected, status] = [fallback("MethodNotAllowed"), "405"];
      else {
        const responses = (operation.responses ?? {}) as Record<string, unknown>;
        const found =
          responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`] ?? responses.default;
        if (!found) return [`${where}: the description gives no ${response.status} for this operation`];
        expected = resolve(found);
      }
      const problems: string[] = [];
      if (status !== undefined && String(response.status) !== status) {
        problems.push(`the description answers this request with ${status} only`);
      }

      for (const [name, header] of Object.entries((expected.headers ?? {}) as Record<string, unknown>)) {
        if (name.toLowerCase() === "content-type") continue; // OpenAPI ignores it: the media type says it
        const { required = false, schema = {} } = resolve(header) as { required?: boolean; schema?: unknown };
        const value = response.headers.get(name);
        if (value === null) {
          if (required) problems.push(`no ${name} header`);
          continue;
        }
        for (const error of schemaErrors(value, schema))
          problems.push(`header ${name} ${JSON.stringify(value)}: ${error}`);
      }

      const content = (expected.content ?? {}) as Record<string, { schema?: unknown }>;
      if (Object.keys(content).length === 0) {
        if (response.body !== "") problems.push("a body, where the description gives none");
      } else if (method !== "HEAD") {
        const mediaType = (response.headers.get("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
        const media = content[mediaType];
        if (!media) {
          problems.push(`Content-Type ${JSON.stringify(mediaType)}, not one of ${Object.keys(content).join(", ")}`);
        } else if (/^application\/(.+\+)?json$/.test(mediaType)) {
          let body: unknown;
          try {
            body = JSON.parse(response.body);
          } catch {
            problems.push("a body that is not JSON");
          }
          if (body !== undefined)
            for (const error of schemaErrors(body, media.schema ?? {})) problems.push(`body ${error}`);
        }
      }
      return problems.map((problem) => `${where}: ${problem}`);
    },
  };
}

/** A form of the description, named for messages, and the check it makes. */
type Form = [form: string, contract: Contract];

/**
 * The description as written, and as `redocly bundle --dereferenced` hands it to code generators and
 * gateways: a `$ref` with sibling keywords reads differently in the two, so both must accept every answer.
 * @example loadContracts().map(([form, contract]) => [form, contract.check("DELETE", url, observed)])
 */
export function loadContracts(): [asWritten: Form, bundled: Form] {
  return [
    ["docs/openapi.yaml", loadContract()],
    ["its dereferenced bundle", loadContract(bundledDescription)],
  ];
}

let contracts: Form[] | undefined;
const mismatches: string[] = [];
let checked = 0;

/**
 * Checks one response of the worker against `docs/openapi.yaml` and its dereferenced bundle, and
 * remembers what does not match.
 * @example await checkContract(request, response.clone())
 */
export async function checkContract(request: Request, response: Response): Promise<void> {
  contracts ??= loadContracts();
  const observed = { status: response.status, headers: response.headers, body: await response.text() };
  checked++;
  for (const [form, contract] of contracts)
    for (const problem of contract.check(request.method, request.url, observed))
      mismatches.push(`#${checked} (${form}) ${problem}`);
}

/** Every mismatch found in this test file so far, numbered by the response it was found in. */
export const contractMismatches = (): readonly string[] => mismatches;
