import { Table, type MantineBreakpoint } from "@mantine/core";

/** A column's heading: its label, or the label with its alignment, width, and the
 * breakpoint from which it shows (a column to leave out on narrow screens). */
export type Column = string | { label: string; right?: boolean; w?: string; visibleFrom?: MantineBreakpoint };

/** A table's header row. `edge` lines the first and last headings up with a card's padding
 * (TableCard), for a table that runs to the card's edges. */
export function TableHead({ columns, edge = false }: { columns: readonly Column[]; edge?: boolean }) {
  const last = columns.length - 1;
  return (
    <Table.Thead>
      <Table.Tr>
        {columns.map((column, index) => {
          const { label, right, w, visibleFrom } = typeof column === "string" ? { label: column } : column;
          return (
            <Table.Th
              key={label}
              scope="col"
              ta={right ? "right" : undefined}
              w={w}
              visibleFrom={visibleFrom}
              pl={edge && index === 0 ? "lg" : undefined}
              pr={edge && index === last ? "lg" : undefined}
            >
              {label}
            </Table.Th>
          );
        })}
      </Table.Tr>
    </Table.Thead>
  );
}
