import { useNavigate } from "react-router";
import { KEY_RULE, slugify, type KeyRule } from "../ui/keys";
import { NewItemModal } from "../ui/NewItemModal";
import { fetchDefinition, type Collection } from "./api";

const KINDS: Record<Collection, { rule: KeyRule; noun: string; placeholder: string }> = {
  segments: { rule: KEY_RULE, noun: "segment", placeholder: "Recent buyers" },
  "computed-traits": {
    rule: {
      pattern: /^[a-z][a-z0-9_]{0,99}$/,
      hint: "Use lower-case letters, digits and _, starting with a letter.",
      fromName: (name) => slugify(name).replace(/-/g, "_").replace(/^[^a-z]+/, ""),
    },
    noun: "computed trait",
    placeholder: "Revenue in 90 days",
  },
};

/** Names a new segment or computed trait and opens its editor; nothing is saved until "Save". */
export function NewDefinitionModal({ collection, opened, onClose }: { collection: Collection; opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const kind = KINDS[collection];
  return (
    <NewItemModal
      opened={opened}
      onClose={onClose}
      noun={kind.noun}
      namePlaceholder={kind.placeholder}
      keyDescription="How the API and YAML files name it. It cannot change later."
      rule={kind.rule}
      find={(key) => fetchDefinition(collection, key)}
      onFree={(key, name) => void navigate(`/${collection}/${encodeURIComponent(key)}?new=1`, { state: { name } })}
      submitLabel="Open the editor"
    />
  );
}
