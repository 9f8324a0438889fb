import { Alert, Anchor, Button, Stack } from "@mantine/core";
import { IconCircleCheck, IconLinkOff } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";
import { api, unwrap, useCsrfToken } from "../api/client";
import { fieldError } from "../api/errors";
import { FormError } from "../ui/FormError";
import { AuthLayout } from "./AuthLayout";
import { NewPasswordFields } from "./NewPasswordFields";
import { ACCOUNT_QUERY } from "./session";

/** Where the e-mailed reset link opens (baton/teams/links.py PAGES): `/reset-password?token=…`. */
export default function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const client = useQueryClient();
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const reset = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/password-reset/confirm", { body: { token, password } })),
    onSuccess: () => {
      // Every session of the person has ended, this browser's too.
      useCsrfToken(null);
      client.setQueryData(ACCOUNT_QUERY, null);
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    const differ = password !== repeated;
    setMismatch(differ);
    if (!differ) reset.mutate();
  }

  if (!token) return <BrokenLink />;
  const error = reset.error;
  const tokenError = fieldError(error, "token");
  if (tokenError) return <BrokenLink reason={tokenError} />;
  return (
    <AuthLayout title="Choose a new password" description="You will be signed out everywhere, then sign in with the new password.">
      {reset.isSuccess ? (
        <Stack>
          <Alert color="indigo" variant="light" icon={<IconCircleCheck size={18} aria-hidden />} title="Your password is changed" role="status">
            Sign in with your new password.
          </Alert>
          <Button component={Link} to="/login" fullWidth size="md">
            Sign in
          </Button>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <NewPasswordFields
              password={password}
              repeated={repeated}
              onPassword={setPassword}
              onRepeated={setRepeated}
              error={fieldError(error, "password")}
              mismatch={mismatch}
            />
            <FormError error={error} shownAt={["password"]} />
            <Button type="submit" loading={reset.isPending} fullWidth size="md" disabled={!password || !repeated}>
              Save the new password
            </Button>
          </Stack>
        </form>
      )}
    </AuthLayout>
  );
}

function BrokenLink({ reason }: { reason?: string }) {
  return (
    <AuthLayout title="This link does not work">
      <Alert color="orange" variant="light" icon={<IconLinkOff size={18} aria-hidden />} role="alert">
        {reason ?? "The link is incomplete: open it again from the e-mail."} Reset links work once, for
        an hour. Ask for a new one below.
      </Alert>
      <Button component={Link} to="/forgot-password" fullWidth size="md">
        Send me a new link
      </Button>
      <Anchor component={Link} to="/login" size="sm" ta="center">
        Back to sign in
      </Anchor>
    </AuthLayout>
  );
}
