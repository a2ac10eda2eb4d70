// Invitations into the team: create one (its link is shown once, to copy), list, revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { createInvitation, listInvitations, revokeInvitation } from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";
import { TextField } from "../components/TextField";
import { CopyButton } from "./CopyButton";

// The token rides in the fragment, which a browser never sends: it stays out of the
// gateway's and the console service's logs.
export function invitationLink(token: string, origin = window.location.origin): string {
  return `${origin}/invite#token=${encodeURIComponent(token)}`;
}

export function InvitationsPage() {
  const invitations = useQuery({ queryKey: ["invitations"], queryFn: listInvitations });
  const queryClient = useQueryClient();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState("member");
  const [link, setLink] = useState("");
  const id = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["invitations"] });
  const create = useMutation({
    mutationFn: () => createInvitation(email, role),
    onSuccess: (reply) => {
      setLink(invitationLink(reply.token));
      setEmail("");
      void refresh();
    },
  });
  const revoke = useMutation({ mutationFn: revokeInvitation, onSuccess: refresh });
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Invitations</h1>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setLink("");
          create.mutate();
        }}
      >
        <TextField
          label="Email to invite"
          name="email"
          type="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={create.error}
          required
        />
        <div className="field">
          <label htmlFor={`${id}-role`}>Role</label>
          <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value)}>
            <option>member</option>
            <option>viewer</option>
            <option>admin</option>
          </select>
        </div>
        <button type="submit" disabled={create.isPending || !email.trim()}>
          Invite
        </button>
      </form>
      <ErrorBanner error={create.error} fields={["email", "role"]} />
      {link && (
        <div className="notice" role="status">
          <p>Send this link to the person you invited (it is shown only now):</p>
          <p className="link-row">
            <code className="invitation-link">{link}</code> <CopyButton text={link} label="Copy link" />
          </p>
        </div>
      )}
      <ErrorBanner error={invitations.error ?? revoke.error} />
      {invitations.isPending && <p role="status">Loading…</p>}
      <ListTable rows={invitations.data?.length ?? 0} columns={["Email", "Role", "State", "Expires"]} actions>
        {invitations.data?.map((inv) => (
          <tr key={inv.id}>
            <td>{inv.email}</td>
            <td>{inv.role}</td>
            <td>{inv.state}</td>
            <td>{inv.expire_time ? new Date(inv.expire_time).toLocaleString() : ""}</td>
            <td>
              {inv.state === "pending" && (
                <button
                  type="button"
                  className="danger small"
                  onClick={() => revoke.mutate(inv.id)}
                  aria-label={`Revoke the invitation of ${inv.email}`}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {invitations.data?.length === 0 && <p className="empty">No invitations yet.</p>}
    </section>
  );
}
