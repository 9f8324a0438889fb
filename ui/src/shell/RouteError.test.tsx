// @vitest-environment jsdom
import { MantineProvider } from "@mantine/core";
import { act, lazy, Suspense } from "react";
import { createMemoryRouter, Outlet, RouterProvider } from "react-router";
import { describe, expect, it, vi } from "vitest";
import { RouteError } from "./RouteError";
import { reactInDom } from "../ui/reactInDom";

const dom = reactInDom();

function Broken(): never {
  throw new TypeError("Cannot read properties of undefined (reading 'nodes')");
}

// What a browser throws when the chunk of a page is gone after a redeploy.
const Gone = lazy(() => Promise.reject(new TypeError("Failed to fetch dynamically imported module: http://127.0.0.1:8000/assets/JourneyPage-old.js")));

/** App.tsx's structure: a root boundary, and one inside the shell around its pages. */
async function open(path: string) {
  // React and the router report the caught error on the console; the test expects it.
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.spyOn(console, "warn").mockImplementation(() => {});
  const router = createMemoryRouter(
    [
      {
        errorElement: <RouteError fullPage />,
        children: [
          { path: "/login", element: <Broken /> },
          {
            element: (
              <>
                <nav aria-label="Sections">Journeys</nav>
                <Outlet />
              </>
            ),
            children: [
              {
                errorElement: <RouteError />,
                children: [
                  { path: "/journeys", element: <Broken /> },
                  { path: "/journeys/:key", element: <Suspense fallback={<p>Loading</p>}><Gone /></Suspense> },
                ],
              },
            ],
          },
        ],
      },
    ],
    { initialEntries: [path] },
  );
  const root = dom.mount();
  await act(async () =>
    root.render(
      <MantineProvider>
        <RouterProvider router={router} />
      </MantineProvider>,
    ),
  );
}

const alertText = () => document.querySelector('[role="alert"]')?.textContent ?? "";
const heading = () => document.querySelector("h1")?.textContent;
const reload = () => [...document.querySelectorAll("button")].find((each) => each.textContent === "Reload");

describe("RouteError", () => {
  it("shows a page that throws as a readable message with a Reload button, the navigation kept", async () => {
    await open("/journeys");
    expect(heading()).toBe("This page could not be shown");
    expect(alertText()).toContain("Something went wrong while showing this page. Reload to try again");
    expect(document.body.textContent).toContain("Cannot read properties of undefined");
    expect(reload()).toBeDefined();
    expect(document.querySelector('nav[aria-label="Sections"]')).not.toBeNull();
    expect(document.body.textContent).not.toContain("Unexpected Application Error");
  });

  it("says that a newer version was deployed when a page's chunk is gone, and reloads", async () => {
    await open("/journeys/cart");
    expect(heading()).toBe("Baton was updated");
    expect(alertText()).toContain("A newer version of Baton was deployed since this page was opened. Reload to use it.");
    expect(document.querySelector('nav[aria-label="Sections"]')).not.toBeNull();
    const reloaded = vi.fn();
    vi.spyOn(window, "location", "get").mockReturnValue({ ...window.location, reload: reloaded });
    await act(async () => reload()!.click());
    expect(reloaded).toHaveBeenCalledOnce();
  });

  it("fills the page, in a main landmark, outside the shell", async () => {
    await open("/login");
    expect(document.querySelector("main h1")?.textContent).toBe("This page could not be shown");
    expect(reload()).toBeDefined();
    expect(document.querySelector("nav")).toBeNull();
  });
});
