import { expect, test } from "vitest";
import { emptyHistory, record, redo, undo } from "./history";

test("undo and redo walk back and forth over the values", () => {
  let history = record(emptyHistory<string>(), "a", null, 0);
  history = record(history, "b", null, 10);
  const back = undo(history, "c");
  expect(back?.value).toBe("b");
  const again = undo(back!.history, "b");
  expect(again?.value).toBe("a");
  expect(undo(again!.history, "a")).toBeNull();
  const forth = redo(again!.history, "a");
  expect(forth?.value).toBe("b");
  expect(redo(forth!.history, "b")?.value).toBe("c");
});

test("typing in one field makes one step; a pause or another field starts the next", () => {
  let history = record(emptyHistory<string>(), "", "name", 0);
  history = record(history, "N", "name", 300);
  history = record(history, "Na", "name", 600);
  expect(history.past).toEqual([""]);
  history = record(history, "Nam", "name", 5000);
  history = record(history, "Name", "other", 5100);
  expect(history.past).toEqual(["", "Nam", "Name"]);
});

test("a new change drops what could be redone", () => {
  const history = record(emptyHistory<string>(), "a", null, 0);
  const back = undo(history, "b")!;
  expect(back.history.future).toEqual(["b"]);
  expect(record(back.history, "a", null, 10).future).toEqual([]);
});
