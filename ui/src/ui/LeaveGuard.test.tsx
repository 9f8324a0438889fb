// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { act } from "react";
import { createMemoryRouter, Link, RouterProvider } from "react-router";
import { describe, expect, it } from "vitest";
import { LeaveGuard } from "./LeaveGuard";
import { reactInDom } from "./reactInDom";

const dom = reactInDom(
  // Asking for reduced motion opens and closes the modal at once.
  (query) => query.includes("prefers-reduced-motion: reduce"),
);

/** The journey page with unsaved changes (or none), opened from the journey list. */
function openJourney(active: boolean) {
  const router = createMemoryRouter(
    [
      { path: "/journeys", element: <p>The list</p> },
      {
        path: "/journeys/:key",
        element: (
          <>
            <LeaveGuard active={active} />
            <Link to="/segments">Segments</Link>
          </>
        ),
      },
      { path: "/segments", element: <p>The segments</p> },
    ],
    { initialEntries: ["/journeys", "/journeys/cart"], initialIndex: 1 },
  );
  const root = dom.mount();
  act(() =>
    root.render(
      <MantineProvider theme={{ respectReducedMotion: true }}>
        <RouterProvider router={router} />
      </MantineProvider>,
    ),
  );
  return router;
}

function button(name: string): HTMLButtonElement {
  const found = [...document.querySelectorAll("button")].find((each) => each.textContent === name);
  if (!found) throw new Error(`no button ${name}`);
  return found;
}

const asking = () => document.body.textContent?.includes("Leave without saving?") ?? false;

describe("LeaveGuard", () => {
  it("holds back the browser's back button while changes are unsaved, until the person leaves", async () => {
    const router = openJourney(true);
    await act(() => router.navigate(-1));
    expect(router.state.location.pathname).toBe("/journeys/cart");
    expect(asking()).toBe(true);

    await act(async () => button("Leave and lose changes").click());
    expect(router.state.location.pathname).toBe("/journeys");
  });

  it("holds back a link of the console, and stays when asked to", async () => {
    const router = openJourney(true);
    await act(async () => document.querySelector<HTMLAnchorElement>('a[href="/segments"]')!.click());
    expect(router.state.location.pathname).toBe("/journeys/cart");
    expect(asking()).toBe(true);

    await act(async () => button("Stay here").click());
    expect(asking()).toBe(false);
    expect(router.state.location.pathname).toBe("/journeys/cart");
    expect(router.state.navigation.state).toBe("idle");
  });

  it("lets the address's query change, and everything once nothing is unsaved", async () => {
    const held = openJourney(true);
    await act(() => held.navigate("/journeys/cart?tab=versions"));
    expect(held.state.location.search).toBe("?tab=versions");
    expect(asking()).toBe(false);
    dom.unmount();

    const free = openJourney(false);
    await act(() => free.navigate(-1));
    expect(free.state.location.pathname).toBe("/journeys");
    expect(asking()).toBe(false);
  });
});
