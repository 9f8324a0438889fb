import { hashKey, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, type ReactNode } from "react";
import { api, unwrap, useCsrfToken } from "../api/client";
import { ApiError } from "../api/errors";

export type Permission =
  | "read_definitions"
  | "read_reports"
  | "read_profiles"
  | "export_reports"
  | "edit_content"
  | "publish"
  | "manage_integrations"
  | "manage_workspace"
  | "manage_privacy"
  | "manage_users"
  | "approve"
  | "delete_workspace";

export type Membership = { id: string; key: string; name: string; role: string; permissions: Permission[] };

export type Account = {
  user: { id: string; email: string; name: string | null; installation_owner: boolean } | null;
  workspace: Membership | null;
  workspaces: Membership[];
  csrf_token?: string;
};

type Session = {
  account: Account;
  /** Whether the role in the current workspace holds the permission. */
  can: (permission: Permission) => boolean;
  logout: () => Promise<void>;
  switchWorkspace: (key: string) => Promise<void>;
};

const SessionContext = createContext<Session | null>(null);
export const ACCOUNT_QUERY = ["auth", "me"] as const;

/** Who is signed in: null when nobody is (the API answered 401). */
export function useAccount() {
  return useQuery({
    queryKey: ACCOUNT_QUERY,
    queryFn: async (): Promise<Account | null> => {
      try {
        const account = await unwrap<Account>(api.GET("/api/v1/auth/me"));
        useCsrfToken(account.csrf_token ?? null);
        return account;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
    retry: false,
  });
}

export function SessionProvider({ account, children }: { account: Account; children: ReactNode }) {
  const client = useQueryClient();
  const permissions = account.workspace?.permissions;
  const can = useCallback((permission: Permission) => permissions?.includes(permission) ?? false, [permissions]);
  const logout = useCallback(async () => {
    await unwrap(api.POST("/api/v1/auth/logout"));
    useCsrfToken(null);
    client.clear();
    client.setQueryData(ACCOUNT_QUERY, null);
  }, [client]);
  const switchWorkspace = useCallback(
    async (key: string) => {
      const chosen = await unwrap<Account>(api.POST("/api/v1/auth/workspace", { body: { workspace: key } }));
      // Everything cached belongs to the workspace left behind. The account query is
      // kept (and given the new account) so that the components watching it follow.
      client.removeQueries({ predicate: (query) => query.queryHash !== hashKey(ACCOUNT_QUERY) });
      client.setQueryData(ACCOUNT_QUERY, { ...chosen, csrf_token: account.csrf_token });
    },
    [client, account.csrf_token],
  );
  const value = useMemo(() => ({ account, can, logout, switchWorkspace }), [account, can, logout, switchWorkspace]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error("useSession outside SessionProvider");
  return session;
}
