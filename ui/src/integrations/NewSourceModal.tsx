import { PasswordInput, Select, Text } from "@mantine/core";
import { useState } from "react";
import { useNavigate } from "react-router";
import { fieldError } from "../api/errors";
import { slugify, type KeyRule } from "../ui/keys";
import { NewItemModal } from "../ui/NewItemModal";
import { STARTING_MAPPING } from "./samples";
import { getSource, PRESET_LABELS, SOURCE_KEY, usePresets, useSaveSource, type Preset } from "./sources";

/** A source's key is part of a URL every workspace shares: 8 to 64 characters, so that
 * strangers cannot guess which exist. */
const SOURCE_KEY_RULE: KeyRule = {
  pattern: SOURCE_KEY,
  hint: "Use 8 to 64 lower-case letters, digits and hyphens, starting and ending with a letter or digit.",
  fromName: (name) => {
    const slug = slugify(name).replaceAll("_", "-").slice(0, 56).replace(/-+$/, "");
    return slug ? `${slug}-webhook` : "";
  },
};

/** Names a new source, picks its preset and sets the secret its sender signs with; saved at once. */
export function NewSourceModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const presets = usePresets();
  const save = useSaveSource();
  const [preset, setPreset] = useState<Preset>("shopify");
  const [secret, setSecret] = useState("");
  const described = presets.data?.items.find((item) => item.preset === preset);
  return (
    <NewItemModal
      opened={opened}
      onClose={onClose}
      noun="source"
      namePlaceholder="Shop orders"
      keyDescription="Part of the webhook URL; it cannot change later."
      rule={SOURCE_KEY_RULE}
      find={getSource}
      onFree={async (key, name) => {
        const body = { preset, name, default_region: "US", secret: secret || null, ...(preset === "generic" ? { mapping: STARTING_MAPPING } : {}) };
        const saved = await save.mutateAsync({ key, body });
        void navigate(`/integrations/sources/${encodeURIComponent(saved.key)}`);
      }}
      submitLabel="Create the source"
    >
      <Select
        label="Preset"
        data={(Object.keys(PRESET_LABELS) as Preset[]).map((value) => ({ value, label: PRESET_LABELS[value] }))}
        value={preset}
        allowDeselect={false}
        onChange={(value) => value && setPreset(value as Preset)}
        data-testid="field-preset"
      />
      {described ? (
        <Text size="xs" c="dimmed">
          Signed with {described.signature}. Makes {Object.values(described.events).join(", ")}.
        </Text>
      ) : null}
      <PasswordInput
        label="Signing secret"
        description="The secret the sender signs its webhooks with (Shopify's signing secret, Stripe's whsec_…, Twilio's auth token). It is stored sealed and never shown again."
        value={secret}
        onChange={(e) => setSecret(e.currentTarget.value)}
        error={fieldError(save.error, "secret")}
        autoComplete="new-password"
      />
    </NewItemModal>
  );
}
