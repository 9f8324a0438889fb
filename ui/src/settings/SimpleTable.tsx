import { Box, Table, Text } from "@mantine/core";
import type { ComponentProps, ReactNode } from "react";
import { LoadMore } from "../ui/LoadMore";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";

/** A titled card holding a small read-only table, or a sentence when it is empty; for a
 * list read through the API's cursors (`more`), a button for its next page. */
export function SimpleTable({
  title,
  description,
  columns,
  rows,
  empty,
  more,
}: {
  title: string;
  description?: string;
  columns: string[];
  rows: { key: string; cells: ReactNode[] }[];
  empty: string;
  more?: ComponentProps<typeof LoadMore>["list"];
}) {
  return (
    <TableCard title={title} description={description}>
      {rows.length ? (
        <Table.ScrollContainer minWidth={480} type="native" tabIndex={0} role="region" aria-label={title}>
          <Table>
            <TableHead edge columns={columns} />
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
        <TableCardNote>
          <Text size="sm" c="dimmed">
            {empty}
          </Text>
        </TableCardNote>
      )}
      {more?.hasNextPage ? (
        <Box pb="md">
          <LoadMore list={more} />
        </Box>
      ) : null}
    </TableCard>
  );
}
