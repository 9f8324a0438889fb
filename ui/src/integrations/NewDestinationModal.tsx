import { SegmentedControl, Stack, Text } from "@mantine/core";
import { useState } from "react";
import { useNavigate } from "react-router";
import { KEY_RULE } from "../ui/keys";
import { NewItemModal } from "../ui/NewItemModal";
import { getDestination, KIND_LABELS, type Kind } from "./destinations";

/** Names a new destination and picks its kind; its page opens on that kind's starter, saved from there. */
export function NewDestinationModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const [kind, setKind] = useState<Kind>("webhook");
  return (
    <NewItemModal
      opened={opened}
      onClose={onClose}
      noun="destination"
      namePlaceholder="Warehouse events"
      keyDescription="How the API names it. It cannot change later."
      rule={KEY_RULE}
      find={getDestination}
      onFree={(key, name) => void navigate(`/integrations/destinations/${encodeURIComponent(key)}?new=${kind}`, { state: { name } })}
      submitLabel="Open the editor"
    >
      <Stack gap={4}>
        <Text size="sm" fw={500} id="destination-kind">
          Kind
        </Text>
        <SegmentedControl
          aria-labelledby="destination-kind"
          value={kind}
          onChange={(value) => setKind(value as Kind)}
          data={(Object.keys(KIND_LABELS) as Kind[]).map((value) => ({ value, label: KIND_LABELS[value] }))}
        />
      </Stack>
    </NewItemModal>
  );
}
