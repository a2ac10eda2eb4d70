import { Link, Navigate, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { NewPasswordField } from "./NewPasswordField";
import { TextField } from "../components/TextField";
import { AuthCard } from "./AuthCard";
import { NameFields } from "./NameFields";
import { text, useSubmit } from "./useSubmit";

const FIELDS = ["email", "password", "first_name", "last_name"];

export function SignUpPage() {
  const { state, signUp } = useAuth();
  const navigate = useNavigate();
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    await signUp({
      email: text(form, "email"),
      password: text(form, "password"),
      first_name: text(form, "first_name"),
      last_name: text(form, "last_name"),
    });
    navigate("/bases", { replace: true });
  });
  if (state.status === "signedIn") return <Navigate to="/bases" replace />;
  return (
    <AuthCard title="Create your team's account">
      <p>You become the admin of a new team; invite the others from Team &amp; admin.</p>
      <form onSubmit={onSubmit} noValidate>
        <ErrorBanner error={error} fields={FIELDS} />
        <NameFields error={error} />
        <TextField label="Email" name="email" type="email" autoComplete="email" required error={error} />
        <NewPasswordField name="password" label="Password" error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Creating…" : "Sign up"}
        </button>
      </form>
      <p>
        Have an account? <Link to="/signin">Sign in</Link>
      </p>
    </AuthCard>
  );
}
