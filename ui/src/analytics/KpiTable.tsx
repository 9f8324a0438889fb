import { Table, Text } from "@mantine/core";
import { ErrorNotice } from "../ui/ErrorNotice";
import { TableCard, TableCardNote } from "../ui/TableCard";
import { TableHead } from "../ui/TableHead";
import { formatKpi, kpiChange, KPIS, type KpiReport } from "./kpis";

/** Every KPI of the period with its change and what exactly it counts. */
export function KpiTable({ report, error, days }: { report: KpiReport | undefined; error: unknown; days: number }) {
  return (
    <TableCard
      title="Key figures"
      description={`Over the last ${days} days, compared with the ${days} days before. A figure without the events it needs says “No data”.`}
    >
      {error ? (
        <TableCardNote>
          <ErrorNotice error={error} title="Could not load the key figures" />
        </TableCardNote>
      ) : (
        <Table.ScrollContainer minWidth={680} type="native" tabIndex={0} role="region" aria-label="Key figures">
          <Table>
            <TableHead edge columns={["KPI", { label: "Value", right: true }, { label: "Change", right: true }, "Definition"]} />
            <Table.Tbody>
              {KPIS.map((definition) => {
                const value = report?.values[definition.key] ?? null;
                const change = report?.previous ? kpiChange(value, report.previous[definition.key] ?? null, definition) : null;
                return (
                  <Table.Tr key={definition.key}>
                    <Table.Th scope="row" pl="lg" fw={600} fz="sm" style={{ whiteSpace: "nowrap" }}>
                      {definition.label}
                    </Table.Th>
                    <Table.Td ta="right" fw={600} style={{ whiteSpace: "nowrap" }} c={value === null ? "dimmed" : undefined}>
                      {report ? formatKpi(value, definition.format) : "…"}
                    </Table.Td>
                    <Table.Td
                      ta="right"
                      style={{ whiteSpace: "nowrap" }}
                      c={change?.good === true ? "teal.9" : change?.good === false ? "red.8" : "dimmed"}
                    >
                      {change?.text ?? "–"}
                    </Table.Td>
                    <Table.Td pr="lg">
                      <Text size="sm" c="dimmed">
                        {definition.definition}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </TableCard>
  );
}
