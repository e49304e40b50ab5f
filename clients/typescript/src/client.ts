/**
 * A thin, typed client of the Proxima Invoice API: openapi-fetch over the types generated
 * from `docs/openapi.json` (`src/schema.d.ts`), plus the few things every caller needs:
 * the base URL, the bearer token, `If-Match` and `Idempotency-Key` values, and a way to
 * turn an answer into its data or a clear error.
 */
import createClient from "openapi-fetch";
import type { Client as FetchClient, Middleware } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths, operations } from "./schema.js";

/** The typed client: `client.GET("/api/v1/clients", ...)`, `client.POST(...)`, ... */
export type ProximaClient = FetchClient<paths>;

/** The error envelope every failing route answers with. */
export type ErrorEnvelope = components["schemas"]["ErrorEnvelope"];

/** The resources by name: a list's rows and a single answer are the same types. */
export type Invoice = components["schemas"]["Invoice"];
export type InvoiceHeader = components["schemas"]["InvoiceHeader"];
export type Client = components["schemas"]["Client"];
export type Payment = components["schemas"]["Payment"];
export type WriteOff = components["schemas"]["WriteOff"];
export type CreditNote = components["schemas"]["CreditNote"];
export type SentMessage = components["schemas"]["SentMessage"];
export type ReminderSettings = components["schemas"]["ReminderSettings"];
export type ReminderRunReport = components["schemas"]["ReminderRunReport"];
export type ReminderRunEntry = components["schemas"]["ReminderRunEntry"];
/** The Uzbek books: the UZS equivalent frozen on a document (invoice, credit note), a
 * payment's, a Central Bank rate as `GET /exchange-rates` answers it, the FX report. */
export type Accounting = components["schemas"]["Accounting"];
export type PaymentAccounting = components["schemas"]["PaymentAccounting"];
export type ExchangeRate = components["schemas"]["RateView"];
export type FxReport = components["schemas"]["FxReport"];
export type FxDifference = components["schemas"]["FxDifference"];
/** A presigned download: an invoice's PDF, its act of completed work, a credit note's PDF. */
export type PdfDownload = components["schemas"]["PdfDownload"];
/** Client accounts: a transfer over several invoices, the balance, the statement, the aging. */
export type ClientPayment = components["schemas"]["ClientPayment"];
export type RecordedTransfer = components["schemas"]["RecordedTransfer"];
export type Refund = components["schemas"]["Refund"];
export type Balance = components["schemas"]["Balance"];
export type Statement = components["schemas"]["Statement"];
export type StatementLine = components["schemas"]["StatementLine"];
export type AgingReport = components["schemas"]["AgingReport"];

/** How to reach the API. */
export interface ClientOptions {
  /** e.g. `http://localhost:8081` (no trailing `/api/v1`: the paths carry it). */
  baseUrl: string;
  /** A bearer token from `POST /api/v1/auth/login`; omit for the login call itself. */
  token?: string;
  /** Extra middleware, e.g. the response validator of `./validate.js`. */
  middleware?: readonly Middleware[];
}

/** A client for `options.baseUrl`, sending `Authorization: Bearer <token>` when given one. */
export function createProximaClient(options: ClientOptions): ProximaClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, "") });
  const token = options.token;
  if (token !== undefined) {
    client.use(bearer(token));
  }
  for (const m of options.middleware ?? []) {
    client.use(m);
  }
  return client;
}

/** Middleware adding the bearer token to every request. */
export function bearer(token: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  };
}

/** The `If-Match` value for an invoice at `version` (the API takes the bare number). */
export function ifMatch(version: number): string {
  return String(version);
}

/** A fresh `Idempotency-Key`: reuse the same value when retrying the same request. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** One field's problem, as a form places it (`field` is the JSON path, e.g. `lines[0].quantity`). */
export type FieldError = components["schemas"]["FieldError"];

/**
 * A failed call: HTTP status plus the envelope's code, message and request id, every
 * field's problem (`details`, for a form), on a stale `If-Match` the current version and,
 * on a second invoice for a client's period, the id of the one it has.
 */
export class ApiError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    detail: string,
    readonly details: readonly FieldError[] = [],
    readonly currentVersion: number | undefined = undefined,
    readonly existingInvoiceId: string | undefined = undefined,
  ) {
    super(`${operation}: HTTP ${status} ${code ?? ""} ${detail}`.trim());
    this.name = "ApiError";
  }

  /** The problems of one field (empty when it has none). */
  fieldErrors(field: string): string[] {
    return this.details.filter((d) => d.field === field).map((d) => d.message);
  }
}

/** What every openapi-fetch call resolves to, reduced to what `ok` needs. */
export interface Answer<D, E> {
  data?: D;
  error?: E;
  response: Response;
}

/**
 * The data of a successful answer; a failed one throws `ApiError` carrying the error
 * envelope's code and request id (quote that id when reporting a problem).
 */
export function ok<D, E>(answer: Answer<D, E>, operation: string): D {
  if (answer.response.ok && answer.data !== undefined) {
    return answer.data;
  }
  const envelope = isErrorEnvelope(answer.error) ? answer.error.error : undefined;
  throw new ApiError(
    operation,
    answer.response.status,
    envelope?.code,
    envelope?.request_id ?? answer.response.headers.get("x-request-id") ?? undefined,
    envelope?.message ?? answer.response.statusText,
    envelope?.details ?? [],
    envelope?.current_version ?? undefined,
    envelope?.existing_invoice_id ?? undefined,
  );
}

/** Whether `value` has the shape of the API's error envelope. */
export function isErrorEnvelope(value: unknown): value is ErrorEnvelope {
  if (typeof value !== "object" || value === null || !("error" in value)) {
    return false;
  }
  const error: unknown = value.error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}
