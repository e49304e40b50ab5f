import { test } from "node:test";
import assert from "node:assert/strict";
import type { components } from "../src/client.js";

type Change = components["schemas"]["Change"];

/** The credit note a `credit_note` field change names, read without a cast. */
function creditNoteNumber(change: Change): string | undefined {
  if (change.kind !== "field" || change.field !== "credit_note") {
    return undefined;
  }
  const to = change.to;
  if (typeof to === "object" && to !== null && !Array.isArray(to)) {
    const number = to["number"];
    return typeof number === "string" ? number : undefined;
  }
  return undefined;
}

test("an object value of a history change is typed readable (not an empty record)", () => {
  const change: Change = {
    kind: "field",
    field: "credit_note",
    from: null,
    to: { id: "0b5c0a4e-1f2a-4c6b-9d8e-7a6b5c4d3e2f", number: "CN-2026-00001", total: "10.00" },
  };
  assert.equal(creditNoteNumber(change), "CN-2026-00001");
  const line: Change = { kind: "field", field: "notes", from: "a", to: "b" };
  assert.equal(creditNoteNumber(line), undefined);
});
