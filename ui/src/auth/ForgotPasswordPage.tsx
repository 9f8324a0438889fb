import { Alert, Anchor, Button, Stack, TextInput } from "@mantine/core";
import { IconMailCheck } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { api, unwrap } from "../api/client";
import { fieldError } from "../api/errors";
import { FormError } from "../ui/FormError";
import { AuthLayout } from "./AuthLayout";

export default function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const request = useMutation({
    mutationFn: (address: string) =>
      unwrap<{ message: string }>(api.POST("/api/v1/auth/password-reset", { body: { email: address } })),
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    request.mutate(email.trim());
  }

  return (
    <AuthLayout
      title="Reset your password"
      description="Enter the e-mail address you sign in with. We will send you a link to choose a new password."
    >
      {request.isSuccess ? (
        <Alert color="indigo" variant="light" icon={<IconMailCheck size={18} aria-hidden />} title="Check your inbox" role="status">
          If {request.variables} has a Baton account, a link to choose a new password is on its way. The link works for
          an hour.
        </Alert>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <TextInput
              label="E-mail"
              type="email"
              autoComplete="username"
              required
              autoFocus
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={fieldError(request.error, "email")}
            />
            <FormError error={request.error} shownAt={["email"]} />
            <Button type="submit" loading={request.isPending} fullWidth size="md" disabled={!email.trim()}>
              Send the link
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/login" size="sm" ta="center">
        Back to sign in
      </Anchor>
    </AuthLayout>
  );
}
