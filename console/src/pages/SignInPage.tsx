import { Link, Navigate, useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { TextField } from "../components/TextField";
import { AuthCard } from "./AuthCard";
import { text, useSubmit } from "./useSubmit";

const FIELDS = ["email", "password"];

export function SignInPage() {
  const { state, signIn } = useAuth();
  const navigate = useNavigate();
  const { notice } = useAuth();
  const from = (useLocation().state as { from?: string } | null)?.from ?? "/bases";
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    await signIn(text(form, "email"), text(form, "password"));
    navigate(from, { replace: true });
  });
  if (state.status === "signedIn") return <Navigate to={from} replace />;
  return (
    <AuthCard title="Sign in">
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <ErrorBanner error={error} fields={FIELDS} />
        <TextField label="Email" name="email" type="email" autoComplete="email" required error={error} />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          error={error}
        />
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p>
        New here? <Link to="/signup">Create an account</Link>
      </p>
    </AuthCard>
  );
}
