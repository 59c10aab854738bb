// The names webhook deliveries use in pg-boss (runtime/ledger/postgres/webhook-jobs.ts), how a
// failed job's output becomes a stable code, and that pg-boss stays out of the runtime a compiled
// server bundles (only `events tail --follow --webhook-url-env` and `events deliveries` load it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { failureCode, queueUnavailable } from "../../operator/review/webhook-queue.ts";
import { deadLetterName, deliveryJobId, deliveryState, isDeliveryQueue, queueName } from "../../runtime/ledger/postgres/webhook-jobs.ts";
import { runtimeBundleMetafile } from "../support/runtime-bundle.ts";

const URL_WITH_TOKEN = "https://hooks.example.test/in?token=s3cret-token";

test("an endpoint's queues are named after a hash of its URL, never the URL", () => {
  const queue = queueName(URL_WITH_TOKEN);
  assert.match(queue, /^synapsor_webhook\.[0-9a-f]{32}$/);
  assert.equal(queue.includes("s3cret"), false);
  assert.equal(queueName(URL_WITH_TOKEN), queue);
  assert.notEqual(queueName("https://hooks.example.test/other"), queue);
  assert.equal(deadLetterName(queue), `${queue}.dead`);
  assert.equal(isDeliveryQueue(queue), true);
  assert.equal(isDeliveryQueue(deadLetterName(queue)), false);
  assert.equal(isDeliveryQueue("someone_elses_queue"), false);
});

test("a delivery's job id is one UUID per queue and event, the same from every follower", () => {
  const queue = queueName(URL_WITH_TOKEN);
  const id = deliveryJobId(queue, 42);
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(deliveryJobId(queue, 42), id);
  assert.notEqual(deliveryJobId(queue, 43), id);
  assert.notEqual(deliveryJobId(queueName("https://hooks.example.test/other"), 42), id);
});

test("pg-boss job states in the words events deliveries uses", () => {
  assert.deepEqual(
    ["created", "retry", "active", "completed", "failed", "cancelled"].map((s) => deliveryState(s)),
    ["pending", "pending", "delivering", "delivered", "dead", "cancelled"],
  );
  assert.equal(deliveryState("completed", { skipped: "EVENT_GONE" }), "skipped");
});

test("a failed job's output becomes a stable code: ours, or pg-boss's expiry and shutdown texts", () => {
  assert.equal(failureCode({ code: "WEBHOOK_HTTP_STATUS" }), "WEBHOOK_HTTP_STATUS");
  assert.equal(failureCode({ value: { message: "job timed out" } }), "LEASE_EXPIRED");
  assert.equal(failureCode({ value: "pg-boss shut down while active" }), "FOLLOWER_STOPPED");
  assert.equal(failureCode({ code: "not a code\u001b[31m" }), "DELIVERY_FAILED");
  assert.equal(failureCode(null), "DELIVERY_FAILED");
});

test("the runtime a server bundles never reaches pg-boss or the webhook queue", async () => {
  const inputs = Object.keys((await runtimeBundleMetafile()).inputs);
  assert.ok(inputs.some((i) => i.startsWith("runtime/ledger/postgres/")), "the Postgres ledger is bundled");
  assert.deepEqual(inputs.filter((i) => /node_modules\/pg-boss\/|webhook-queue/.test(i)), []);
});

test("a queue fault from a ledger server restarting is transient (the follower waits it out); a refused login is not", () => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5999"), { code: "ECONNREFUSED" });
  const shuttingDown = Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });
  const badLogin = Object.assign(new Error('password authentication failed for user "x"'), { code: "28P01" });
  assert.equal(queueUnavailable(refused, "LEDGER_URL").transient, true);
  assert.equal(queueUnavailable(shuttingDown, "LEDGER_URL").transient, true);
  assert.equal(queueUnavailable(badLogin, "LEDGER_URL").transient, false);
  assert.match(queueUnavailable(refused, "LEDGER_URL").message, /LEDGER_URL/);
});
