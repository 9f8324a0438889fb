import { Badge, Loader, Stack, Text } from "@mantine/core";
import { roleLabel } from "../shell/roles";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatInstant, timeAgo } from "../ui/format";
import { useCursorPages } from "../ui/pages";
import { fetchKeys } from "./api";
import { SimpleTable } from "./SimpleTable";

const KINDS: Record<string, string> = { write: "Tracking (write)", admin: "Admin API" };

export function KeysTab() {
  const keys = useCursorPages(["keys"], fetchKeys);
  if (keys.isError) return <ErrorNotice error={keys.error} title="Could not load the keys" />;
  if (keys.isPending) return <Loader aria-label="Loading the keys" />;
  return (
    <Stack gap="lg">
      <SimpleTable
        title="Keys"
        description="Keys that send events to Baton or use its API. Only their last characters are shown: the key itself was shown once, when it was made."
        columns={["Kind", "Ends with", "Role", "Created", "Expires", "Last used"]}
        rows={keys.items.map((key) => ({
          key: key.id,
          cells: [
            <>
              {KINDS[key.kind] ?? key.kind}
              {key.browser ? (
                <Badge key="browser" color="gray" ml={6}>
                  Browser
                </Badge>
              ) : null}
            </>,
            <Text key="hint" span ff="monospace" size="sm">
              …{key.hint}
            </Text>,
            key.role ? roleLabel(key.role) : "–",
            formatInstant(key.created_at),
            key.expires_at ? formatInstant(key.expires_at) : "Never",
            key.last_used_at ? timeAgo(key.last_used_at) : "Never",
          ],
        }))}
        empty="This workspace has no keys."
        more={keys}
      />
      <Text size="sm" c="dimmed">
        Making and revoking keys here is coming; until then, use the API or the command line (baton keys).
      </Text>
    </Stack>
  );
}
