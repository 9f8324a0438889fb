import { FileInput, Stack, Text } from "@mantine/core";
import { IconUpload } from "@tabler/icons-react";
import { useState } from "react";
import { ErrorNotice } from "../ui/ErrorNotice";
import { formatCount } from "../ui/format";
import { useUploadRecipients } from "./api";

// The API takes a CSV of up to a million characters at a time (baton/api/broadcasts.py).
const MAX_CHARACTERS = 1024 * 1024;

/** Adds the people a CSV names to a saved draft's upload audience; uploads add up. */
export function RecipientsUpload({ broadcastKey, saved, recipients, editable }: { broadcastKey: string; saved: boolean; recipients: number; editable: boolean }) {
  const upload = useUploadRecipients(broadcastKey);
  const [tooLarge, setTooLarge] = useState(false);
  if (!saved) {
    return (
      <Text size="sm" c="dimmed">
        Save the draft, then upload a CSV here: a header naming the column (profile_id, email, user_id, phone or anonymous_id), then one person a row.
      </Text>
    );
  }

  async function send(file: File | null) {
    if (!file) return;
    const text = await file.text();
    upload.reset();
    setTooLarge(text.length > MAX_CHARACTERS);
    if (text.length <= MAX_CHARACTERS) upload.mutate(text);
  }

  return (
    <Stack gap="xs">
      <Text size="sm" fw={500} data-testid="upload-recipients">
        {recipients ? `${formatCount(recipients)} ${recipients === 1 ? "recipient" : "recipients"} uploaded so far` : "No recipients uploaded yet"}
      </Text>
      <FileInput
        label="Upload a CSV of recipients"
        description="A header naming the column (profile_id, email, user_id, phone or anonymous_id), then one person a row. Up to 1 MB a file; uploads add up."
        accept=".csv,text/csv"
        placeholder="Choose a file"
        leftSection={<IconUpload size={16} aria-hidden />}
        disabled={!editable || upload.isPending}
        error={tooLarge ? "This file is over 1 MB: split it, each part with the header, and upload the parts one after the other." : undefined}
        onChange={(file) => void send(file)}
        clearable={false}
        maw={480}
        data-testid="recipients-file"
      />
      {upload.data ? (
        <Text size="sm" role="status" data-testid="upload-result">
          {formatCount(upload.data.rows)} rows read: {formatCount(upload.data.added)} people added
          {upload.data.unknown ? `, ${formatCount(upload.data.unknown)} rows matched nobody` : ""}.
        </Text>
      ) : null}
      <ErrorNotice error={upload.error} title="Could not upload the CSV" />
    </Stack>
  );
}
