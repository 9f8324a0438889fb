import { Card, Table, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";

/** A titled card holding a small read-only table, or a sentence when it is empty. */
export function SimpleTable({
  title,
  description,
  columns,
  rows,
  empty,
}: {
  title: string;
  description?: string;
  columns: string[];
  rows: { key: string; cells: ReactNode[] }[];
  empty: string;
}) {
  return (
    <Card padding={0}>
      <Title order={2} size="h4" px="lg" pt="md" pb={description ? 2 : "xs"}>
        {title}
      </Title>
      {description ? (
        <Text size="sm" c="dimmed" px="lg" pb="xs">
          {description}
        </Text>
      ) : null}
      {rows.length ? (
        <Table.ScrollContainer minWidth={480} type="native" tabIndex={0} role="region" aria-label={title}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                {columns.map((column, index) => (
                  <Table.Th key={column} scope="col" pl={index === 0 ? "lg" : undefined}>
                    {column}
                  </Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row) => (
                <Table.Tr key={row.key}>
                  {row.cells.map((cell, index) => (
                    <Table.Td key={index} pl={index === 0 ? "lg" : undefined} fz="sm">
                      {cell}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : (
        <Text size="sm" c="dimmed" px="lg" pb="md">
          {empty}
        </Text>
      )}
    </Card>
  );
}
