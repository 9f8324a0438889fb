import { Anchor, Text } from "@mantine/core";
import { Link } from "react-router";

/** A list's first cell: the item's name, linking to its page, and its key beneath. */
export function ItemCell({ to, name, itemKey }: { to: string; name?: string; itemKey: string }) {
  return (
    <>
      <Anchor component={Link} to={to} fw={600} size="sm">
        {name || itemKey}
      </Anchor>
      <Text size="xs" c="dimmed" ff="monospace">
        {itemKey}
      </Text>
    </>
  );
}
