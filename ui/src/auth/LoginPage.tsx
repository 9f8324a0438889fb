import { Anchor, Button, Divider, Group, PasswordInput, Stack, TextInput } from "@mantine/core";
import { IconKey } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, Navigate, useSearchParams } from "react-router";
import { api, unwrap, useCsrfToken } from "../api/client";
import { fieldError } from "../api/errors";
import { FormError } from "../ui/FormError";
import { AuthLayout } from "./AuthLayout";
import { landing } from "./landing";
import { ACCOUNT_QUERY, useAccount, type Account } from "./session";

type SingleSignOn = { enabled: boolean; name: string | null; login: string | null };

export function LoginPage() {
  const [params] = useSearchParams();
  const next = landing(params.get("next"));
  const account = useAccount();
  const client = useQueryClient();
  const sso = useQuery({
    queryKey: ["auth", "oidc"],
    queryFn: () => unwrap<SingleSignOn>(api.GET("/api/v1/auth/oidc")),
    staleTime: Infinity,
  });
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  if (account.data) return <Navigate to={next} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const signed = await unwrap<Account>(api.POST("/api/v1/auth/login", { body: { email, password } }));
      useCsrfToken(signed.csrf_token ?? null);
      client.setQueryData(ACCOUNT_QUERY, signed);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const singleSignOn = sso.data?.enabled && sso.data.login ? sso.data : null;
  return (
    <AuthLayout title="Sign in to Baton" description="Welcome back. Sign in to see your journeys and results.">
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
            error={fieldError(error, "email")}
          />
          <div>
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={fieldError(error, "password")}
            />
            <Group justify="flex-end" mt={6}>
              <Anchor component={Link} to="/forgot-password" size="sm">
                Forgot your password?
              </Anchor>
            </Group>
          </div>
          <FormError error={error} shownAt={["email", "password"]} />
          <Button type="submit" loading={busy} fullWidth size="md">
            Sign in
          </Button>
          {singleSignOn ? (
            <>
              <Divider label="or" labelPosition="center" />
              <Button
                component="a"
                variant="default"
                size="md"
                leftSection={<IconKey size={18} aria-hidden />}
                href={`${singleSignOn.login}?next=${encodeURIComponent(next)}`}
                fullWidth
              >
                Sign in with {singleSignOn.name}
              </Button>
            </>
          ) : null}
        </Stack>
      </form>
    </AuthLayout>
  );
}
