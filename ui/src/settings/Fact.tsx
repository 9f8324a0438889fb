import { Group, Text } from "@mantine/core";
import type { ReactNode } from "react";

/** One labelled value in a settings card. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="md" py={8} style={{ borderBottom: "1px solid var(--mantine-color-gray-2)" }}>
      <Text size="sm" c="dimmed" style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text size="sm" fw={500} ta="right" component="div">
        {children}
      </Text>
    </Group>
  );
}
