/**
 * The month-end flow of an accountant, end to end, through the typed client (strict mode,
 * no type assertions): log in, refresh the session, list the clients, generate last month's
 * draft for one of them, edit it with `If-Match` (and see a stale version refused), finalize it, fetch its
 * PDF through the presigned URL and its act of completed work, walk the period's invoices with a cursor, see a mistyped
 * amount refused as a problem of its field, and record one bank transfer that settles it and the
 * month before's invoice with 10.00 to spare (credit balance, then refunded). Every answer is
 * checked against `docs/openapi.json`; any drift fails the run.
 *
 * Environment: PROXIMA_BASE_URL (default http://localhost:8081), PROXIMA_EMAIL,
 * PROXIMA_PASSWORD, PROXIMA_PERIOD (YYYY-MM, default: last month in UTC), PROXIMA_CLIENT
 * (default: the first listed client), PROXIMA_OPENAPI (default ../../docs/openapi.json).
 */
import { ApiError, createProximaClient, idempotencyKey, ifMatch, isErrorEnvelope, ok } from "../src/client.js";
import type { Accounting, Balance, InvoiceHeader, PdfDownload, RecordedTransfer } from "../src/client.js";
import { ResponseValidator } from "../src/validate.js";

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") {
    throw new Error(`set ${name}`);
  }
  return value;
}

/** `YYYY-MM` of the month before `period` (`YYYY-MM`). */
function monthBefore(period: string): string {
  const [year, month] = period.split("-").map(Number);
  const d = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 2, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** `YYYY-MM` of the month before `now`, in UTC. */
function lastMonth(now: Date): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

function step(what: string): void {
  console.log(`- ${what}`);
}

/** Checks every answer of the run against the OpenAPI document. */
const validator = ResponseValidator.fromFile();

async function main(): Promise<void> {
  const baseUrl = env("PROXIMA_BASE_URL", "http://localhost:8081");
  const period = env("PROXIMA_PERIOD", lastMonth(new Date()));
  const middleware = [validator.middleware()];

  // 1. Log in.
  const anonymous = createProximaClient({ baseUrl, middleware });
  const login = ok(
    await anonymous.POST("/api/v1/auth/login", {
      body: { email: env("PROXIMA_EMAIL"), password: env("PROXIMA_PASSWORD") },
    }),
    "login",
  );
  step(`logged in as ${login.data.user.email} (${login.data.user.role})`);

  // A session outlives its access token: trade the refresh token for a new pair (keep the
  // new refresh token; the old one is spent, and using it again would end the session).
  const refreshed = ok(
    await anonymous.POST("/api/v1/auth/refresh", {
      body: { refresh_token: login.data.refresh_token },
    }),
    "refresh",
  );
  if (refreshed.data.refresh_token === login.data.refresh_token) {
    throw new Error("the refresh token was not rotated");
  }
  step(`session refreshed: access token until ${refreshed.data.expires_at}`);
  const api = createProximaClient({ baseUrl, token: refreshed.data.token, middleware });

  // 2. The clients; pick one.
  const clients = ok(await api.GET("/api/v1/clients"), "list clients");
  const wanted = process.env["PROXIMA_CLIENT"];
  const client = clients.data.find((c) => wanted === undefined || c.key === wanted);
  if (client === undefined) {
    throw new Error(`no active client ${wanted ?? ""} on the first page of clients`);
  }
  step(`${clients.data.length} active client(s) listed; invoicing ${client.key} (${client.currency})`);

  // 3. Preview, then generate the draft (safe to retry with the same Idempotency-Key).
  const preview = ok(
    await api.POST("/api/v1/invoices/prefill", { body: { client_key: client.key, period } }),
    "prefill",
  );
  const generated = ok(
    await api.POST("/api/v1/invoices/generate", {
      params: { header: { "Idempotency-Key": idempotencyKey() } },
      body: { client_key: client.key, period },
    }),
    "generate",
  );
  let invoice = generated.data;
  if (invoice.total !== preview.data.total) {
    throw new Error(`the draft's total ${invoice.total} is not the preview's ${preview.data.total}`);
  }
  step(`draft ${invoice.id} for ${period}: ${invoice.line_items.length} line(s), total ${invoice.total} ${invoice.currency}`);

  // 4. Edit the draft at its version; the old version is then stale and refused.
  const firstVersion = invoice.version;
  invoice = ok(
    await api.PATCH("/api/v1/invoices/{id}", {
      params: { path: { id: invoice.id }, header: { "If-Match": ifMatch(firstVersion) } },
      body: { po_number: "PO-MONTH-END", notes: `Work of ${period}.` },
    }),
    "patch draft",
  ).data;
  step(`patched at version ${firstVersion} -> ${invoice.version}`);
  const stale = await api.PATCH("/api/v1/invoices/{id}", {
    params: { path: { id: invoice.id }, header: { "If-Match": ifMatch(firstVersion) } },
    body: { notes: "lost update" },
  });
  if (stale.response.status !== 409 || !isErrorEnvelope(stale.error)) {
    throw new Error(`a stale If-Match answered ${stale.response.status}, expected 409`);
  }
  step(`stale If-Match refused: ${stale.error.error.code}`);

  // 5. Finalize: the number and the PDF.
  invoice = ok(
    await api.POST("/api/v1/invoices/{id}/finalize", {
      params: {
        path: { id: invoice.id },
        header: { "If-Match": ifMatch(invoice.version), "Idempotency-Key": idempotencyKey() },
      },
    }),
    "finalize",
  ).data;
  step(`finalized as ${invoice.number}, status ${invoice.status}`);

  // 6. The PDF: a presigned URL, downloaded and checked against its digest's size.
  const pdf = ok(
    await api.GET("/api/v1/invoices/{id}/pdf", { params: { path: { id: invoice.id } } }),
    "pdf",
  ).data;
  const download = await fetch(pdf.url);
  const bytes = new Uint8Array(await download.arrayBuffer());
  const magic = new TextDecoder().decode(bytes.slice(0, 5));
  if (!download.ok || magic !== "%PDF-" || bytes.length !== pdf.size_bytes) {
    throw new Error(`the PDF download is wrong: HTTP ${download.status}, ${bytes.length} bytes`);
  }
  step(`PDF ${pdf.filename}: ${pdf.size_bytes} bytes, sha256 ${pdf.sha256.slice(0, 12)}...`);

  // The act of completed work beside it, and the UZS equivalent frozen on a foreign-currency
  // invoice (null on a UZS one).
  const act: PdfDownload = ok(
    await api.GET("/api/v1/invoices/{id}/act", { params: { path: { id: invoice.id } } }),
    "act",
  ).data;
  const accounting: Accounting | null = invoice.accounting;
  step(
    `act ${act.filename}: ${act.size_bytes} bytes; ` +
      (accounting === null ? "no UZS equivalent (a UZS invoice)" : `${accounting.total} UZS at ${accounting.rate} (${accounting.rate_date})`),
  );

  // The period's invoices, two at a time with the cursor of each page: a list row is the
  // same type as the invoice's own header.
  const rows: InvoiceHeader[] = [];
  let cursor: string | undefined;
  do {
    const page = ok(
      await api.GET("/api/v1/invoices", {
        params: { query: cursor === undefined ? { period, per_page: 2 } : { period, per_page: 2, cursor } },
      }),
      "list invoices",
    );
    rows.push(...page.data);
    cursor = page.meta.next_cursor ?? undefined;
  } while (cursor !== undefined);
  if (!rows.some((row) => row.id === invoice.id && row.number === invoice.number)) {
    throw new Error(`invoice ${invoice.number} is not listed for ${period}`);
  }
  step(`${rows.length} invoice(s) of ${period} listed page by page`);

  // A form's round trip: a bad amount comes back as a problem of the field `amount`.
  try {
    ok(
      await api.POST("/api/v1/invoices/{id}/payments", {
        params: { path: { id: invoice.id }, header: { "Idempotency-Key": idempotencyKey() } },
        body: { amount: "12,50", method: "bank_transfer", paid_on: invoice.issue_date },
      }),
      "record a mistyped payment",
    );
    throw new Error("a mistyped amount was accepted");
  } catch (error: unknown) {
    if (!(error instanceof ApiError) || error.fieldErrors("amount").length === 0) {
      throw error;
    }
    step(`a mistyped amount is refused: amount ${error.fieldErrors("amount").join("; ")}`);
  }

  // 7. One bank transfer pays this invoice and the month before's, with 10.00 to spare: each
  // allocation is a payment of its invoice, the rest the client's credit balance.
  const earlier = ok(
    await api.POST("/api/v1/invoices/generate", {
      params: { header: { "Idempotency-Key": idempotencyKey() } },
      body: { client_key: client.key, period: monthBefore(period) },
    }),
    "generate the month before",
  ).data;
  const before = ok(
    await api.POST("/api/v1/invoices/{id}/finalize", {
      params: { path: { id: earlier.id }, header: { "Idempotency-Key": idempotencyKey() } },
    }),
    "finalize the month before",
  ).data;
  const cents = (amount: string): number => Math.round(Number(amount) * 100);
  const spare = 1000;
  const received = ((cents(invoice.amount_due) + cents(before.amount_due) + spare) / 100).toFixed(2);
  const transfer: RecordedTransfer = ok(
    await api.POST("/api/v1/clients/{key}/payments", {
      params: { path: { key: client.key }, header: { "Idempotency-Key": idempotencyKey() } },
      body: {
        amount: received,
        currency: invoice.currency,
        received_on: invoice.issue_date,
        method: "bank_transfer",
        reference: "month-end example",
        allocations: [
          { invoice_id: invoice.id, amount: invoice.amount_due },
          { invoice_id: before.id, amount: before.amount_due },
        ],
      },
    }),
    "record the transfer",
  ).data;
  step(
    `transfer of ${transfer.payment.amount} ${transfer.payment.currency} paid ` +
      transfer.invoices.map((i) => `${i.number} (${i.status})`).join(" and ") +
      `; credit balance ${transfer.balance.credit_balance}`,
  );
  const balances: Balance[] = ok(
    await api.GET("/api/v1/clients/{key}/balance", { params: { path: { key: client.key } } }),
    "balance",
  ).data;
  const balance = balances.find((b) => b.currency === invoice.currency);
  if (balance === undefined || cents(balance.credit_balance) < spare) {
    throw new Error(`the client's ${invoice.currency} credit balance is not what the transfer left`);
  }
  const refund = ok(
    await api.POST("/api/v1/clients/{key}/refunds", {
      params: { path: { key: client.key }, header: { "Idempotency-Key": idempotencyKey() } },
      body: { amount: "10.00", currency: invoice.currency, paid_on: invoice.issue_date, method: "bank_transfer" },
    }),
    "refund",
  ).data;
  step(`refunded ${refund.refund.amount}: balance ${refund.balance.balance} ${invoice.currency}`);
  const statement = ok(
    await api.GET("/api/v1/clients/{key}/statement", {
      params: { path: { key: client.key }, query: { currency: invoice.currency } },
    }),
    "statement",
  ).data;
  if (!("closing_balance" in statement) || statement.closing_balance !== refund.balance.balance) {
    throw new Error("the statement's closing balance is not the account's balance");
  }
  step(`statement: ${statement.lines.length} line(s), closing balance ${statement.closing_balance}`);

  const final = ok(
    await api.GET("/api/v1/invoices/{id}", { params: { path: { id: invoice.id } } }),
    "get invoice",
  ).data;
  if (final.status !== "paid") {
    throw new Error(`the settled invoice is ${final.status}, expected paid`);
  }

  console.log(`${validator.checked} answer(s) checked against the OpenAPI document`);
  if (validator.drifts.length > 0) {
    throw new Error(`${validator.drifts.length} answer(s) do not match the OpenAPI document`);
  }
  console.log("month-end flow: ok");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  if (validator.drifts.length > 0) {
    console.error(`the server and the OpenAPI document disagree:\n${validator.report()}`);
  }
  process.exitCode = 1;
});
