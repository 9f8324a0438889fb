import {
  Badge,
  Card,
  createTheme,
  darken,
  Loader,
  luminance,
  Paper,
  Table,
  type CSSVariablesResolver,
  type MantineColorsTuple,
} from "@mantine/core";

export const theme = createTheme({
  primaryColor: "indigo",
  // Shade 7: white text on it, and it as text on white, pass WCAG AA (shade 6 does not).
  primaryShade: { light: 7, dark: 5 },
  defaultRadius: "md",
  cursorType: "pointer",
  fontFamily: "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', sans-serif",
  fontFamilyMonospace: "'JetBrains Mono', ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
  headings: {
    fontWeight: "650",
    sizes: {
      h1: { fontSize: "1.75rem", lineHeight: "1.25" },
      h2: { fontSize: "1.375rem", lineHeight: "1.3" },
      h3: { fontSize: "1.125rem", lineHeight: "1.35" },
      h4: { fontSize: "1.0625rem", lineHeight: "1.4" },
    },
  },
  components: {
    Card: Card.extend({ defaultProps: { withBorder: true, radius: "md", padding: "lg", shadow: "none" } }),
    Paper: Paper.extend({ defaultProps: { radius: "md" } }),
    Badge: Badge.extend({ defaultProps: { variant: "light", radius: "sm" } }),
    // A span may not carry the aria-label a loader is given; a status may.
    Loader: Loader.extend({ defaultProps: { role: "status" } }),
    Table: Table.extend({ defaultProps: { verticalSpacing: "sm", horizontalSpacing: "md", highlightOnHover: true } }),
    // A table wider than its card shows its scrollbar, not only on hover: else its last
    // columns look cut off, on a tablet most of all.
    TableScrollContainer: Table.ScrollContainer.extend({ defaultProps: { scrollAreaProps: { type: "auto" } } }),
  },
});

/** WCAG AA's least contrast for text of normal size. */
const AA = 4.5;

export function contrast(a: string, b: string): number {
  const [dark, light] = [luminance(a), luminance(b)].sort((x, y) => x - y) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

/** Text for a color's light tints (shade 1, shade 2 on hover): shade 9, darkened until it
 * reads at AA on both. Mantine's shade 9 alone does not for green (3.4:1), yellow (2.5:1),
 * orange, lime, teal and red, which light badges, alerts and buttons would show. */
function textOnTint(shades: MantineColorsTuple): string {
  let text: string = shades[9];
  for (let step = 1; step <= 10 && Math.min(contrast(text, shades[1]), contrast(text, shades[2])) < AA; step++) {
    text = darken(shades[9], step * 0.05);
  }
  return text;
}

/** Contrast fixed once for every page. Mantine's dimmed grey (gray.6, 3.3:1 on white) and
 * error red (red.6, 3.3:1) are under AA: this grey is 6.3:1 on white and at least 4.7:1 on
 * every color's light tint, red.9 is 5.5:1 on white. Light variants (badges, alerts, light buttons) take
 * their text from `--mantine-color-X-light-color`, made readable on the tint here. */
export const cssVariables: CSSVariablesResolver = (resolved) => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "#59616b",
    "--mantine-color-error": "var(--mantine-color-red-9)",
    ...Object.fromEntries(Object.entries(resolved.colors).map(([name, shades]) => [`--mantine-color-${name}-light-color`, textOnTint(shades)])),
  },
  dark: {},
});
