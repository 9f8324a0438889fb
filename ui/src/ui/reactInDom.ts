import { act } from "react";
import { createRoot, type Root } from "react-dom/client";
import { afterEach, beforeAll, vi } from "vitest";

declare global {
  var IS_REACT_ACT_ENVIRONMENT: boolean;
}

/** React rendered into jsdom for one test file: `act` enabled, media queries answered by
 * `matches` (jsdom has none), and after each test whatever was mounted unmounted, the
 * page emptied and spies restored. */
export function reactInDom(matches: (query: string) => boolean = () => false) {
  let root: Root | null = null;
  beforeAll(() => {
    globalThis.IS_REACT_ACT_ENVIRONMENT = true;
    window.matchMedia = (query: string) =>
      ({
        matches: matches(query),
        media: query,
        onchange: null,
        addEventListener() {},
        removeEventListener() {},
        addListener() {},
        removeListener() {},
        dispatchEvent: () => false,
      }) as MediaQueryList;
  });
  const unmount = () => {
    act(() => root?.unmount());
    root = null;
  };
  afterEach(() => {
    unmount();
    document.body.innerHTML = "";
    vi.restoreAllMocks();
  });
  /** A root in a fresh container on the page. */
  const mount = (): Root => {
    const container = document.createElement("div");
    document.body.append(container);
    root = createRoot(container);
    return root;
  };
  return { mount, unmount };
}
