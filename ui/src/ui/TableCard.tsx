import { Box, Card, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";

/** A card whose table runs to its edges, under a title and what the table shows. */
export function TableCard({ title, description, children }: { title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Card padding={0}>
      <Box px="lg" pt="md" pb="xs">
        <Title order={2} size="h4">
          {title}
        </Title>
        {description ? (
          <Text size="sm" c="dimmed" mt={2}>
            {description}
          </Text>
        ) : null}
      </Box>
      {children}
    </Card>
  );
}

/** What a TableCard shows instead of its table (an error, a wait, nothing to list), in its padding. */
export function TableCardNote({ children }: { children: ReactNode }) {
  return (
    <Box px="lg" pb="lg">
      {children}
    </Box>
  );
}
