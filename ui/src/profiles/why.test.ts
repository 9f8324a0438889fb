import { describe, expect, it } from "vitest";
import { formatInstant } from "../ui/format";
import type { ExplainedInstance, ExplainedMessage } from "./api";
import { decisionText, instanceState, journeysOf, messageWhy, readableInstants, visitWhy } from "./why";

describe("readableInstants", () => {
  it("writes the API's instants as dates people read, in UTC", () => {
    expect(readableInstants("entered at 2026-03-02T09:00:00Z; email welcome was sent at 2026-03-04T17:30:00.123456Z")).toBe(
      "entered at Mar 2, 2026, 9:00 AM UTC; email welcome was sent at Mar 4, 2026, 5:30 PM UTC",
    );
    expect(readableInstants("at 2026-03-02T09:00:00+02:00")).toBe("at Mar 2, 2026, 7:00 AM UTC");
    expect(readableInstants("no dates here")).toBe("no dates here");
  });
});

describe("journeys", () => {
  it("are each listed once, newest first", () => {
    expect(journeysOf([{ journey: "b" }, { journey: "a" }, { journey: "b" }])).toEqual(["b", "a"]);
  });

  it("say where an instance stands", () => {
    expect(instanceState({ status: "live", node: "wait", waiting: true, outcome: null })).toBe("Waiting at the step “wait”");
    expect(instanceState({ status: "ended", node: "bye", waiting: false, outcome: "completed" })).toBe("Finished at the step “bye”");
    expect(instanceState({ status: "ended", node: "bye", waiting: false, outcome: "timed_out" })).toBe("Timed out at the step “bye”");
    expect(instanceState({ status: "ended", node: "bye", waiting: false, outcome: "some_new_way" })).toBe("Some new way at the step “bye”");
  });
});

const SENT = "2026-12-06T09:19:00Z";
const DUE = "2026-12-07T08:00:00Z";

function message(change: Partial<ExplainedMessage>): ExplainedMessage {
  return { node: "email", channel: "email", template: "cart-reminder", status: "delivered", reason: null, due_at: null, decisions: [], why: "", ...change };
}

describe("why a message went or not, for a marketer", () => {
  it("says which message, at which step, and when it was sent", () => {
    expect(messageWhy(message({ decisions: [{ at: SENT, decision: "sent" }] }))).toBe(
      `The e-mail “cart-reminder” was sent at the step “email” on ${formatInstant(SENT)}.`,
    );
    expect(messageWhy(message({ channel: "sms", template: null }))).toBe("The SMS was sent at the step “email”.");
  });

  it("says why one was held back, skipped or failed, in words", () => {
    expect(messageWhy(message({ status: "pending", reason: "quiet_hours", due_at: DUE }))).toBe(
      `The e-mail “cart-reminder” at the step “email” is held back (quiet hours in the person's time zone) until ${formatInstant(DUE)}.`,
    );
    expect(messageWhy(message({ status: "pending", due_at: DUE }))).toBe(`The e-mail “cart-reminder” at the step “email” goes out on ${formatInstant(DUE)}.`);
    expect(messageWhy(message({ status: "skipped", reason: "cap:daily" }))).toBe("The e-mail “cart-reminder” at the step “email” was skipped (frequency cap “daily”).");
    expect(messageWhy(message({ status: "failed" }))).toBe("The e-mail “cart-reminder” at the step “email” could not be sent.");
  });

  it("writes each decision with its dates", () => {
    expect(decisionText({ at: SENT, decision: "deferred", reason: "quiet_hours", until: DUE })).toBe(
      `Deferred (quiet hours in the person's time zone) on ${formatInstant(SENT)}, until ${formatInstant(DUE)}`,
    );
  });
});

function visit(change: Partial<ExplainedInstance>): ExplainedInstance {
  return { id: "i", version: 1, entered_at: SENT, ended_at: null, outcome: null, node: "first-wait", wake_at: null, messages: [], answer: "", ...change };
}

describe("why a visit went as it did", () => {
  const entered = `Entered on ${formatInstant(SENT)}.`;

  it("tells the entry, then each message", () => {
    const sent = message({ decisions: [{ at: SENT, decision: "sent" }] });
    expect(visitWhy(visit({ messages: [sent] }))).toBe(`${entered} ${messageWhy(sent)}`);
  });

  it("tells where a visit without messages waits, or how it ended", () => {
    expect(visitWhy(visit({ wake_at: DUE }))).toBe(`${entered} No message yet: waiting at the step “first-wait” until ${formatInstant(DUE)}.`);
    expect(visitWhy(visit({ ended_at: DUE, outcome: "goal", node: "wait" }))).toBe(
      `${entered} It reached the goal at the step “wait” on ${formatInstant(DUE)}, before any message.`,
    );
  });
});
