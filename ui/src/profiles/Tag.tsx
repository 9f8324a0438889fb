import { Badge, type MantineColor } from "@mantine/core";
import type { ReactNode } from "react";

/** A small label on a tint of its color, in dark text: the light badges' own colored
 * text is under WCAG AA's contrast on their tint (green: 3.8:1, yellow: 2.7:1). */
export function Tag({ color, children }: { color: MantineColor; children: ReactNode }) {
  return (
    <Badge color={color} variant="light" c="dark.7" style={{ flexShrink: 0 }}>
      {children}
    </Badge>
  );
}

/** For an Alert's `styles`: its own colored title is under WCAG AA on its tint too. */
export const READABLE_TITLE = { title: { color: "var(--mantine-color-dark-7)" } };
