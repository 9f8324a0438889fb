import { DEFAULT_THEME, mergeMantineTheme } from "@mantine/core";
import { describe, expect, it } from "vitest";
import { contrast, cssVariables, theme } from "./theme";

const resolved = mergeMantineTheme(DEFAULT_THEME, theme);
const light = cssVariables(resolved).light;

describe("the light variants' text", () => {
  it("reads at WCAG AA on its tint and on the tint it hovers to, in every color", () => {
    for (const [name, shades] of Object.entries(resolved.colors)) {
      const text = light[`--mantine-color-${name}-light-color`];
      expect(text, name).toBeDefined();
      expect(contrast(text!, shades[1]), `${name} on shade 1`).toBeGreaterThanOrEqual(4.5);
      expect(contrast(text!, shades[2]), `${name} on shade 2`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("keeps Mantine's shade 9 where it reads already", () => {
    expect(light["--mantine-color-pink-light-color"]).toBe(resolved.colors.pink[9]);
  });
});

describe("dimmed text", () => {
  it("reads at AA on white and on every color's light tint", () => {
    const dimmed = light["--mantine-color-dimmed"]!;
    expect(contrast(dimmed, "#ffffff")).toBeGreaterThanOrEqual(4.5);
    for (const [name, shades] of Object.entries(resolved.colors)) {
      // Dark's shades are greys for a dark page, not tints.
      if (name !== "dark") expect(contrast(dimmed, shades[1]), name).toBeGreaterThanOrEqual(4.5);
    }
  });
});
