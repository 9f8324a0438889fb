import { Button, Group, Modal, Select, Stack, TextInput } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { fieldError, isNotFound } from "../api/errors";
import { KEY_PATTERN, slugify } from "../journeys/newJourney";
import { channelLabel } from "../ui/channels";
import { FormError } from "../ui/FormError";
import { getTemplate, saveTemplate } from "./api";
import { NEW_CHANNELS, starterDraft } from "./draft";

/** Names a new template and its channel, saves a first version to start from, and opens it. */
export function NewTemplateModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [key, setKey] = useState<string | null>(null);
  const [channel, setChannel] = useState<string>("email");
  const [keyError, setKeyError] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const shownKey = key ?? slugify(name);

  async function submit(form: FormEvent) {
    form.preventDefault();
    setFailure(null);
    if (!KEY_PATTERN.test(shownKey)) {
      setKeyError("Use lower-case letters, digits, - and _, starting with a letter or digit.");
      return;
    }
    setBusy(true);
    try {
      const taken = await getTemplate(shownKey).then(
        () => true,
        (error: unknown) => (isNotFound(error) ? false : Promise.reject(error)),
      );
      if (taken) {
        setKeyError("A template with this key already exists. Pick another key.");
        return;
      }
      const saved = await saveTemplate(shownKey, starterDraft(channel, name.trim()));
      await queryClient.invalidateQueries({ queryKey: ["templates"], exact: true });
      if (saved.held) {
        onClose();
        return;
      }
      void navigate(`/templates/${encodeURIComponent(shownKey)}`);
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title="New template">
      <form onSubmit={(form) => void submit(form)}>
        <Stack>
          <Select
            label="Channel"
            required
            allowDeselect={false}
            value={channel}
            onChange={(chosen) => chosen && setChannel(chosen)}
            data={NEW_CHANNELS.map((name) => ({ value: name, label: channelLabel(name) }))}
          />
          <TextInput label="Name" placeholder="Order shipped" required maxLength={200} value={name} data-autofocus onChange={(e) => setName(e.currentTarget.value)} />
          <TextInput
            label="Key"
            description="How journeys and the API name it. It cannot change later."
            required
            value={shownKey}
            error={keyError ?? fieldError(failure, "key")}
            onChange={(e) => {
              setKey(e.currentTarget.value);
              setKeyError(null);
            }}
          />
          <FormError error={failure} shownAt={["key"]} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy}>
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
