import { Alert, Anchor, Badge, Card, Group, Stack, Table, Text, Title } from "@mantine/core";
import { IconShieldCheck } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount, formatInstant } from "../ui/format";
import { TableHead } from "../ui/TableHead";
import { getErasure, type ErasureReceipt as Receipt } from "./api";

/** The receipt of an erasure, kept up to date until the database files hold no copy. */
export function ErasureReceipt({ receipt }: { receipt: Receipt }) {
  const latest = useQuery({
    queryKey: ["erasures", receipt.erasure_id],
    queryFn: () => getErasure(receipt.erasure_id),
    initialData: receipt,
    refetchInterval: (query) => (query.state.data?.compacted_at ? false : 5000),
  });
  const shown = latest.data;
  const deleted = Object.entries(shown.deleted).filter(([, count]) => count > 0);
  return (
    <Stack gap="lg">
      <Alert color="green" icon={<IconShieldCheck size={18} />} title="The person was erased" role="status">
        Everything Baton held about them is deleted. Keep the erasure id as proof: {shown.erasure_id}.
      </Alert>
      <ErrorNotice error={latest.error} title="Could not refresh the receipt" />
      <Card>
        <Stack gap="sm">
          <Title order={2}>Erasure receipt</Title>
          <Group gap="xs">
            <Text size="sm">Erased {formatInstant(shown.erased_at)}</Text>
            <Badge color={shown.compacted_at ? "green" : "yellow"}>
              {shown.compacted_at ? `No copy left in the files since ${formatInstant(shown.compacted_at)}` : "Removing the last copies from the files…"}
            </Badge>
            {shown.suppressed ? <Badge color="indigo">Future events dropped</Badge> : null}
          </Group>
          <Text size="sm" c="dimmed">
            Profiles erased: {shown.profile_ids.join(", ")}
          </Text>
          {deleted.length > 0 ? (
            <Table maw={420}>
              <TableHead columns={["Deleted", { label: "Rows", right: true }]} />
              <Table.Tbody>
                {deleted.map(([what, count]) => (
                  <Table.Tr key={what}>
                    <Table.Td>{what.replaceAll("_", " ")}</Table.Td>
                    <Table.Td ta="right">{formatCount(count)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          ) : null}
        </Stack>
      </Card>
      <Anchor component={Link} to="/profiles">
        Back to profiles
      </Anchor>
    </Stack>
  );
}
