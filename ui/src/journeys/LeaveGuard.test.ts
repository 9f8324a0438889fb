// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { heldLink } from "./LeaveGuard";

function clickOn(html: string, init: MouseEventInit = {}): string | null {
  document.body.innerHTML = html;
  const target = document.querySelector("[data-click]")!;
  let found: string | null | undefined;
  const listen = (event: MouseEvent) => {
    found = heldLink(event);
    // jsdom cannot follow links.
    event.preventDefault();
  };
  document.addEventListener("click", listen, { once: true, capture: true });
  target.dispatchEvent(new MouseEvent("click", { bubbles: true, cancelable: true, button: 0, ...init }));
  return found ?? null;
}

describe("heldLink", () => {
  afterEach(() => {
    document.body.innerHTML = "";
    window.history.replaceState(null, "", "/");
  });

  it("holds back a plain click on a link to another page of the console", () => {
    window.history.replaceState(null, "", "/journeys/cart");
    expect(clickOn('<a href="/profiles/p1?x=1"><span data-click>Ann</span></a>')).toBe("/profiles/p1?x=1");
  });

  it("lets through links to the same page, new tabs, other sites, downloads and modified clicks", () => {
    window.history.replaceState(null, "", "/journeys/cart");
    expect(clickOn('<a data-click href="/journeys/cart?tab=2">here</a>')).toBeNull();
    expect(clickOn('<a data-click href="/segments" target="_blank">tab</a>')).toBeNull();
    expect(clickOn('<a data-click href="https://example.com/x">away</a>')).toBeNull();
    expect(clickOn('<a data-click href="/export.csv" download>file</a>')).toBeNull();
    expect(clickOn('<a data-click href="/segments">ctrl</a>', { ctrlKey: true })).toBeNull();
    expect(clickOn('<button data-click>not a link</button>')).toBeNull();
  });
});
