import { Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { api, unwrap } from "../api/client";
import { isNotFound } from "../api/errors";
import { slugify } from "../journeys/newJourney";
import { ErrorNotice } from "../ui/ErrorNotice";
import type { Collection } from "./api";

const RULES: Record<Collection, { pattern: RegExp; hint: string; noun: string; placeholder: string }> = {
  segments: { pattern: /^[a-z0-9][a-z0-9_-]{0,99}$/, hint: "Use lower-case letters, digits, - and _, starting with a letter or digit.", noun: "segment", placeholder: "Recent buyers" },
  "computed-traits": { pattern: /^[a-z][a-z0-9_]{0,99}$/, hint: "Use lower-case letters, digits and _, starting with a letter.", noun: "computed trait", placeholder: "Revenue in 90 days" },
};

/** Names a new segment or computed trait and opens its editor; nothing is saved until "Save". */
export function NewDefinitionModal({ collection, opened, onClose }: { collection: Collection; opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const rules = RULES[collection];
  const [name, setName] = useState("");
  const [key, setKey] = useState<string | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);
  const made = slugify(name);
  const shownKey = key ?? (collection === "segments" ? made : made.replace(/-/g, "_").replace(/^[^a-z]+/, ""));

  async function submit(form: FormEvent) {
    form.preventDefault();
    setFailure(null);
    if (!rules.pattern.test(shownKey)) {
      setKeyError(rules.hint);
      return;
    }
    setChecking(true);
    try {
      await unwrap(api.GET(`/api/v1/${collection}/{ref}` as const, { params: { path: { ref: shownKey } } }));
      setKeyError(`A ${rules.noun} with this key already exists. Pick another key.`);
    } catch (error) {
      if (isNotFound(error)) {
        navigate(`/${collection}/${encodeURIComponent(shownKey)}?new=1`, { state: { name: name.trim() } });
        return;
      }
      setFailure(error);
    } finally {
      setChecking(false);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title={`New ${rules.noun}`}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" placeholder={rules.placeholder} required maxLength={200} value={name} onChange={(e) => { setName(e.currentTarget.value); setKeyError(null); }} data-autofocus />
          <TextInput
            label="Key"
            description="How the API and YAML files name it. It cannot change later."
            required
            value={shownKey}
            error={keyError}
            onChange={(e) => {
              setKey(e.currentTarget.value);
              setKeyError(null);
            }}
          />
          <ErrorNotice error={failure} title="Could not check the key" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={checking}>
              Open the editor
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
