import { PasswordInput } from "@mantine/core";

/** A new password typed twice; `error` is the API's word on it. */
export function NewPasswordFields({
  password,
  repeated,
  onPassword,
  onRepeated,
  error,
  mismatch,
  label = "New password",
}: {
  password: string;
  repeated: string;
  onPassword: (value: string) => void;
  onRepeated: (value: string) => void;
  error: string | undefined;
  mismatch: boolean;
  label?: string;
}) {
  return (
    <>
      <PasswordInput
        label={label}
        description="At least 15 characters. A few unrelated words make a strong one that is easy to remember."
        autoComplete="new-password"
        required
        value={password}
        onChange={(e) => onPassword(e.currentTarget.value)}
        error={error}
      />
      <PasswordInput
        label="Repeat the password"
        autoComplete="new-password"
        required
        value={repeated}
        onChange={(e) => onRepeated(e.currentTarget.value)}
        error={mismatch ? "The two passwords differ." : undefined}
      />
    </>
  );
}
