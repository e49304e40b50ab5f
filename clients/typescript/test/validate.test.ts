/**
 * The response validator catches drift: answers that break the document's schemas, or
 * statuses it does not list, are recorded; answers that match are not.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ResponseValidator } from "../src/validate.js";

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const error = { data: null, error: { code: "NOT_FOUND", message: "invoice not found", request_id: "r-1" } };

test("a matching answer is no drift", async () => {
  const v = ResponseValidator.fromFile();
  await v.check("GET", "/api/v1/invoices/{id}", json(404, error));
  assert.deepEqual(v.drifts, []);
  assert.equal(v.checked, 1);
});

test("a missing required field, a wrong type or a bad format is drift", async () => {
  const v = ResponseValidator.fromFile();
  await v.check("GET", "/api/v1/invoices/{id}", json(404, { data: null, error: { code: 404, message: "x" } }));
  await v.check("POST", "/api/v1/auth/login", json(200, {
    data: { token: "t", token_type: "Bearer", expires_at: "tomorrow", user: { email: "a@b.c", name: "A", role: "accountant" } },
    error: null,
  }));
  assert.equal(v.drifts.length, 2, v.report());
  assert.match(v.drifts[0]?.problem ?? "", /request_id|code/);
  assert.match(v.drifts[1]?.problem ?? "", /date-time/);
});

test("an undocumented status or a non-JSON body is drift", async () => {
  const v = ResponseValidator.fromFile();
  await v.check("GET", "/api/v1/invoices/{id}", json(418, error));
  await v.check("GET", "/api/v1/invoices/{id}", new Response("not found", { status: 404 }));
  assert.deepEqual(
    v.drifts.map((d) => d.status),
    [418, 404],
    v.report(),
  );
});

test("a documented header that breaks its schema is drift", async () => {
  const v = ResponseValidator.fromFile();
  const answer = (replayed: string): Response =>
    new Response(JSON.stringify(error), {
      status: 401,
      headers: { "content-type": "application/json", "idempotent-replayed": replayed },
    });
  await v.check("POST", "/api/v1/invoices/{id}/finalize", answer("true"));
  assert.equal(v.drifts.length, 0, v.report());
  await v.check("POST", "/api/v1/invoices/{id}/finalize", answer("yes"));
  assert.equal(v.drifts.length, 1, v.report());
  assert.match(v.drifts[0]?.problem ?? "", /header Idempotent-Replayed/);
});
