import { useNavigate } from "react-router";
import { KEY_RULE } from "../ui/keys";
import { NewItemModal } from "../ui/NewItemModal";
import { getBroadcast } from "./api";

/** Names a new broadcast and opens its form; nothing is saved until "Save draft". */
export function NewBroadcastModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  return (
    <NewItemModal
      opened={opened}
      onClose={onClose}
      noun="broadcast"
      namePlaceholder="December newsletter"
      keyDescription="How the API and YAML files name it. It cannot change later."
      rule={KEY_RULE}
      find={getBroadcast}
      onFree={(key, name) => void navigate(`/broadcasts/${encodeURIComponent(key)}?new=1`, { state: { name } })}
      submitLabel="Open the form"
    />
  );
}
