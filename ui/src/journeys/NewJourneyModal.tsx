import { Button, Group, Modal, Stack, TextInput } from "@mantine/core";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { isNotFound } from "../api/errors";
import { ErrorNotice } from "../ui/ErrorNotice";
import { getJourney } from "./api";
import { emptyJourney, KEY_PATTERN, slugify } from "./newJourney";

/** Names a new journey and opens it on an empty canvas; nothing is saved until "Save draft". */
export function NewJourneyModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const [keyEdited, setKeyEdited] = useState(false);
  const [event, setEvent] = useState("");
  const [keyError, setKeyError] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [checking, setChecking] = useState(false);
  const shownKey = keyEdited ? key : slugify(name);

  async function submit(form: FormEvent) {
    form.preventDefault();
    setFailure(null);
    if (!KEY_PATTERN.test(shownKey)) {
      setKeyError("Use lower-case letters, digits, - and _, starting with a letter or digit.");
      return;
    }
    setChecking(true);
    try {
      await getJourney(shownKey);
      setKeyError("A journey with this key already exists. Pick another key.");
    } catch (error) {
      if (isNotFound(error)) {
        const definition = emptyJourney(shownKey, name.trim(), event.trim());
        navigate(`/journeys/${encodeURIComponent(shownKey)}?new=1`, { state: { definition } });
        return;
      }
      setFailure(error);
    } finally {
      setChecking(false);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title="New journey">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            placeholder="Cart abandonment"
            required
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              setKeyError(null);
            }}
            data-autofocus
          />
          <TextInput
            label="Key"
            description="How the API and YAML files name it. It cannot change later."
            required
            value={shownKey}
            error={keyError}
            onChange={(e) => {
              setKeyEdited(true);
              setKey(e.currentTarget.value);
              setKeyError(null);
            }}
          />
          <TextInput
            label="Event that starts it"
            description="People enter when they send this event. You can change the trigger later."
            placeholder="Product Added"
            required
            maxLength={200}
            value={event}
            onChange={(e) => setEvent(e.currentTarget.value)}
          />
          <ErrorNotice error={failure} title="Could not check the key" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={checking}>
              Open the builder
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
