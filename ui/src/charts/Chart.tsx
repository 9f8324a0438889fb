import { Box, Button, Group, Skeleton, Stack, Table, VisuallyHidden } from "@mantine/core";
import { IconChartLine, IconTable } from "@tabler/icons-react";
import { lazy, Suspense, useState } from "react";
import type { ChartOption, ChartTable } from "./options";

// echarts is its own chunk, fetched when a page first draws a chart.
const EChart = lazy(() => import("./EChart"));

/** A chart with its text equivalent: `summary` says in a sentence what it shows, and
 * its figures are a table for screen readers, or for anyone with "Show as table";
 * `tableBelow` shows the table under the chart for everyone instead (where the figures
 * are what the reader came for). */
export function Chart({
  option,
  summary,
  table,
  height = 260,
  tableBelow = false,
}: {
  option: ChartOption;
  summary: string;
  table: ChartTable;
  height?: number;
  tableBelow?: boolean;
}) {
  const [asTable, setAsTable] = useState(false);
  if (tableBelow) {
    return (
      <Stack gap="sm">
        <Drawing option={option} summary={summary} height={height} />
        <Box tabIndex={0} role="region" aria-label={table.caption} style={{ overflow: "auto" }}>
          <FiguresTable table={table} />
        </Box>
      </Stack>
    );
  }
  return (
    <Stack gap={6}>
      {asTable ? (
        <Box tabIndex={0} role="region" aria-label={table.caption} mah={360} style={{ overflow: "auto" }}>
          <FiguresTable table={table} />
        </Box>
      ) : (
        <>
          <Drawing option={option} summary={summary} height={height} />
          <VisuallyHidden>
            <FiguresTable table={table} />
          </VisuallyHidden>
        </>
      )}
      <Group justify="flex-end">
        <Button
          variant="subtle"
          size="compact-sm"
          leftSection={asTable ? <IconChartLine size={16} aria-hidden /> : <IconTable size={16} aria-hidden />}
          onClick={() => setAsTable(!asTable)}
        >
          {asTable ? "Show as chart" : "Show as table"}
        </Button>
      </Group>
    </Stack>
  );
}

function Drawing({ option, summary, height }: { option: ChartOption; summary: string; height: number }) {
  return (
    <Box role="img" aria-label={summary}>
      <Suspense fallback={<Skeleton height={height} />}>
        <EChart option={option} height={height} />
      </Suspense>
    </Box>
  );
}

function FiguresTable({ table }: { table: ChartTable }) {
  return (
    <Table striped stickyHeader fz="sm">
      <Table.Caption>{table.caption}</Table.Caption>
      <Table.Thead>
        <Table.Tr>
          {table.columns.map((column) => (
            <Table.Th key={column} scope="col">
              {column}
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {table.rows.map((row, index) => (
          <Table.Tr key={index}>
            {row.map((cell, column) => (
              <Table.Td key={column}>{cell}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
