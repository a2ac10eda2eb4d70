// The signed-in user's account: who they are, and changing the password.
import * as auth from "../api/auth";
import { useAuth, usePrincipal } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { NewPasswordField } from "./NewPasswordField";
import { TextField } from "../components/TextField";
import { text, useSubmit } from "./useSubmit";

const FIELDS = ["current_password", "new_password"];

export function AccountPage() {
  const principal = usePrincipal();
  const { setNotice } = useAuth();
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    await auth.changePassword(text(form, "current_password"), text(form, "new_password"));
    // The session is over: the guard sends the user to sign-in, which shows this.
    setNotice("Your password was changed: sign in with the new one.");
  });
  return (
    <section className="page narrow" aria-labelledby="account-title">
      <h1 id="account-title">Your account</h1>
      <dl className="facts">
        <dt>Email</dt>
        <dd>{principal.email}</dd>
        <dt>Role</dt>
        <dd>{principal.role}</dd>
      </dl>
      <h2>Change password</h2>
      <p>Changing it signs you out everywhere, here too; then you sign in with the new one.</p>
      <form onSubmit={onSubmit} noValidate>
        <ErrorBanner error={error} fields={FIELDS} />
        <TextField
          label="Current password"
          name="current_password"
          type="password"
          autoComplete="current-password"
          required
          error={error}
        />
        <NewPasswordField name="new_password" label="New password" error={error} />
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </form>
    </section>
  );
}
