import { Loader, MantineProvider } from "@mantine/core";
import { renderToStaticMarkup } from "react-dom/server";
import { expect, it } from "vitest";
import { theme } from "../theme";
import { Loading } from "./Loading";

/** The spinners of some markup: each one's role and label. */
function spinners(markup: string): [string | undefined, string | undefined][] {
  return [...markup.matchAll(/<span[^>]*class="[^"]*mantine-Loader-root[^"]*"[^>]*>/g)].map(([tag]) => [
    /\brole="([^"]*)"/.exec(tag)?.[1],
    /\baria-label="([^"]*)"/.exec(tag)?.[1],
  ]);
}

it("gives every spinner the status role its label needs (a labelled span is an axe violation)", () => {
  const markup = renderToStaticMarkup(
    <MantineProvider theme={theme}>
      <Loading label="Loading journeys" />
      <Loader size="sm" aria-label="Loading the people here" />
    </MantineProvider>,
  );
  expect(spinners(markup)).toEqual([
    ["status", "Loading journeys"],
    ["status", "Loading the people here"],
  ]);
});
