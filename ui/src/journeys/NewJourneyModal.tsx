import { TextInput } from "@mantine/core";
import { useState } from "react";
import { useNavigate } from "react-router";
import { KEY_RULE } from "../ui/keys";
import { NewItemModal } from "../ui/NewItemModal";
import { getJourney } from "./api";
import { emptyJourney } from "./newJourney";

/** Names a new journey and opens it on an empty canvas; nothing is saved until "Save draft". */
export function NewJourneyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const [event, setEvent] = useState("");
  return (
    <NewItemModal
      opened={opened}
      onClose={onClose}
      noun="journey"
      namePlaceholder="Cart abandonment"
      keyDescription="How the API and YAML files name it. It cannot change later."
      rule={KEY_RULE}
      find={getJourney}
      onFree={(key, name) => {
        const definition = emptyJourney(key, name, event.trim());
        void navigate(`/journeys/${encodeURIComponent(key)}?new=1`, { state: { definition } });
      }}
      submitLabel="Open the builder"
    >
      <TextInput
        label="Event that starts it"
        description="People enter when they send this event. You can change the trigger later."
        placeholder="Product Added"
        required
        maxLength={200}
        value={event}
        onChange={(e) => setEvent(e.currentTarget.value)}
      />
    </NewItemModal>
  );
}
