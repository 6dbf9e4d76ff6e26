import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { ApiError, onUnauthorized, resetCsrf } from "../api/client";
import * as endpoints from "../api/endpoints";
import type { User } from "../api/types";

type AuthState =
  | { status: "loading"; user: null }
  | { status: "signed-in"; user: User }
  | { status: "signed-out"; user: null }
  | { status: "error"; user: null; error: ApiError };

interface AuthContextValue {
  state: AuthState;
  user: User | null;
  login(email: string, password: string): Promise<User>;
  signup(email: string, password: string, displayName: string): Promise<User>;
  logout(): Promise<void>;
  reload(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: "loading", user: null });

  const reload = useCallback(async () => {
    try {
      const user = await endpoints.getMe();
      setState({ status: "signed-in", user });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setState({ status: "signed-out", user: null });
      } else if (err instanceof ApiError) {
        setState({ status: "error", user: null, error: err });
      } else {
        throw err;
      }
    }
  }, []);

  useEffect(() => {
    void reload();
  }, [reload]);

  // Any 401 from the API means the session is gone: show the login page.
  useEffect(() => onUnauthorized(() => setState({ status: "signed-out", user: null })), []);

  /** After login/signup the session cookie is set: /v1/me gives the full user with its tenant. */
  const settle = useCallback(async (fromAuth: User) => {
    let user = fromAuth;
    try {
      user = await endpoints.getMe();
    } catch {
      /* keep the user the auth call returned */
    }
    setState({ status: "signed-in", user });
    return user;
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      state,
      user: state.user,
      login: async (email, password) => settle(await endpoints.login({ email, password })),
      signup: async (email, password, displayName) =>
        settle(await endpoints.signup({ email, password, display_name: displayName })),
      logout: async () => {
        try {
          await endpoints.logout();
        } finally {
          resetCsrf();
          setState({ status: "signed-out", user: null });
        }
      },
      reload,
    }),
    [state, settle, reload],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth must be used inside <AuthProvider>");
  return ctx;
}
