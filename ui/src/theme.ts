import { Badge, Card, createTheme, Loader, Paper, Table, type CSSVariablesResolver } from "@mantine/core";

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
  },
});

/** Mantine's dimmed grey (gray.6, 3.3:1 on white) and error red (red.6, 3.3:1) are under
 * WCAG AA's 4.5:1 for text: this grey is 5.6:1 on white and 5.1:1 on the page's grey
 * background, red.9 is 5.5:1. */
export const cssVariables: CSSVariablesResolver = () => ({
  variables: {},
  light: { "--mantine-color-dimmed": "#5f6873", "--mantine-color-error": "var(--mantine-color-red-9)" },
  dark: {},
});
