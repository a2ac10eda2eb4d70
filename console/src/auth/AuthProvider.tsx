// Who is signed in. At load the session is restored from the refresh cookie; sign-in,
// sign-up and invitations set it; sign-out (or a refresh the server refuses) ends it and
// drops every cached answer, so the next user sees nothing of the last one's data.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import * as auth from "../api/auth";
import { session } from "../api/client";

type State = { status: "loading" } | { status: "signedOut" } | { status: "signedIn"; principal: auth.Principal };

interface AuthContextValue {
  state: State;
  signIn(email: string, password: string): Promise<void>;
  signUp(input: auth.SignUpInput): Promise<void>;
  acceptInvitation(token: string, input: Omit<auth.SignUpInput, "email">): Promise<void>;
  signOut(): Promise<void>;
  /** A word for the sign-in page (why the session ended). */
  notice: string;
  setNotice(notice: string): void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ status: "loading" });
  const [notice, setNotice] = useState("");
  const queryClient = useQueryClient();

  const loadPrincipal = useCallback(async () => {
    setState({ status: "signedIn", principal: await auth.fetchMe() });
  }, []);

  useEffect(() => {
    let live = true;
    session
      .refresh()
      .then(async (restored) => {
        if (!live) return;
        if (restored) await loadPrincipal();
        else setState({ status: "signedOut" });
      })
      .catch(() => live && setState({ status: "signedOut" }));
    const stop = session.onChange((signedIn) => {
      if (!signedIn) {
        queryClient.clear();
        setState({ status: "signedOut" });
      }
    });
    return () => {
      live = false;
      stop();
    };
  }, [loadPrincipal, queryClient]);

  const value = useMemo<AuthContextValue>(
    () => ({
      state,
      notice,
      setNotice,
      signIn: async (email, password) => {
        await auth.signIn(email, password);
        setNotice("");
        await loadPrincipal();
      },
      signUp: async (input) => {
        await auth.signUp(input);
        await loadPrincipal();
      },
      acceptInvitation: async (token, input) => {
        await auth.acceptInvitation(token, input);
        await loadPrincipal();
      },
      signOut: async () => {
        await auth.signOut();
        queryClient.clear();
        setState({ status: "signedOut" });
      },
    }),
    [state, notice, loadPrincipal, queryClient],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}

/** The signed-in principal (only inside RequireAuth). */
export function usePrincipal(): auth.Principal {
  const { state } = useAuth();
  if (state.status !== "signedIn") throw new Error("usePrincipal while signed out");
  return state.principal;
}

export function isAdmin(principal: auth.Principal): boolean {
  return principal.role === "admin";
}
