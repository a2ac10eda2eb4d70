// The page an invitation link opens: the invitee picks a password and joins the team.
import { useLocation, useNavigate } from "react-router";
import { useAuth } from "../auth/AuthProvider";
import { ErrorBanner } from "../components/ErrorBanner";
import { NewPasswordField } from "./NewPasswordField";
import { AuthCard } from "./AuthCard";
import { NameFields } from "./NameFields";
import { text, useSubmit } from "./useSubmit";

const FIELDS = ["password", "first_name", "last_name"];

export function AcceptInvitationPage() {
  const token = new URLSearchParams(useLocation().hash.slice(1)).get("token") ?? "";
  const { state, acceptInvitation } = useAuth();
  const navigate = useNavigate();
  const { error, busy, onSubmit } = useSubmit(async (form) => {
    await acceptInvitation(token, {
      password: text(form, "password"),
      first_name: text(form, "first_name"),
      last_name: text(form, "last_name"),
    });
    navigate("/bases", { replace: true });
  });
  return (
    <AuthCard title="Join your team">
      {state.status === "signedIn" && (
        <p className="notice">
          You are signed in as {state.principal.email}; accepting signs you in as the invited person instead.
        </p>
      )}
      <p>You were invited to tablemesh. Choose your name and a password to accept.</p>
      <form onSubmit={onSubmit} noValidate>
        <ErrorBanner error={error} fields={FIELDS} />
        <NameFields error={error} />
        <NewPasswordField name="password" label="Password" error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Joining…" : "Accept invitation"}
        </button>
      </form>
    </AuthCard>
  );
}
