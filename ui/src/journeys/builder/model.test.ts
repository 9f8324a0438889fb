import { expect, test } from "vitest";
import { NODE_TYPES, newNode, summarize } from "./model";

test("the palette offers the decide node, which starts with two offers", () => {
  expect(NODE_TYPES).toContain("decide");
  expect(summarize(newNode("decide"))).toBe("Best of 2 offers");
});

test("cards say what a decide node chooses from and a message's timing", () => {
  const levels = [{ key: "full", level: 0, value: 40 }, { key: "ten", level: 10, value: 36 }, { key: "twenty", level: 20, value: 32 }];
  expect(summarize({ type: "decide", levels, context: ["plan", "predicted.churn-90d"] })).toBe("Best of 3 price levels by 2 traits");
  expect(summarize({ type: "message", channel: "email", template: "news", send_at: "best_time" })).toBe("E-mail · news · at their best time");
  expect(summarize({ type: "message", channel: "email", template: "news", send_at: "now" })).toBe("E-mail · news");
});
