/**
 * The package's entry point: the typed client, its helpers and the API's resource types.
 * The response validator (Node.js only: it reads the OpenAPI document from disk) is the
 * separate entry `@proxima/invoice-client/validate`.
 */
export * from "./client.js";
