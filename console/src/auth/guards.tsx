// Route guards: pages behind sign-in, and pages for admins only (a member who follows a
// link to one sees a clear refusal, not an empty page).
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router";
import { isAdmin, useAuth } from "./AuthProvider";

export function RequireAuth({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  const location = useLocation();
  if (state.status === "loading")
    return (
      <p className="loading" role="status">
        Loading…
      </p>
    );
  if (state.status === "signedOut") {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  return <>{children}</>;
}

export function RequireAdmin({ children }: { children: ReactNode }) {
  const { state } = useAuth();
  if (state.status !== "signedIn") return null;
  if (!isAdmin(state.principal)) {
    return (
      <section className="not-allowed" aria-labelledby="not-allowed-title">
        <h1 id="not-allowed-title">Not allowed</h1>
        <p>This page is for the admins of your team. Ask an admin if you need something changed here.</p>
      </section>
    );
  }
  return <>{children}</>;
}
