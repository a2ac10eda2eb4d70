// A workspace's members: each one's role (owner, admin, member, viewer) changed in place,
// removed (owners stay); and a user of the tenant added with a role.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import {
  addMember,
  listMembers,
  listUsers,
  removeMember,
  updateMemberRole,
  WORKSPACE_ROLES,
  type Workspace,
} from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";

export function WorkspaceMembers({ workspace }: { workspace: Workspace }) {
  const members = useQuery({ queryKey: ["members", workspace.id], queryFn: () => listMembers(workspace.id) });
  const users = useQuery({ queryKey: ["users", ""], queryFn: () => listUsers("") });
  const queryClient = useQueryClient();
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState("member");
  const id = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["members", workspace.id] });
  const add = useMutation({
    mutationFn: () => addMember(workspace.id, userId, role),
    onSuccess: () => {
      setUserId("");
      return refresh();
    },
  });
  const change = useMutation({
    mutationFn: (to: { userId: string; role: string }) => updateMemberRole(workspace.id, to.userId, to.role),
    onSettled: refresh,
  });
  const remove = useMutation({ mutationFn: (uid: string) => removeMember(workspace.id, uid), onSuccess: refresh });
  const email = (uid: string) => users.data?.find((u) => u.id === uid)?.email ?? uid;
  // While a change is on its way the select shows the role asked for.
  const shownRole = (uid: string, stored: string) =>
    change.isPending && change.variables.userId === uid ? change.variables.role : stored;
  const memberIds = new Set(members.data?.map((m) => m.user_id));
  const candidates = users.data?.filter((u) => !memberIds.has(u.id)) ?? [];
  return (
    <div>
      <h3>Members</h3>
      <ErrorBanner error={members.error ?? add.error ?? change.error ?? remove.error} />
      <ul className="members">
        {members.data?.map((m) => (
          <li key={m.user_id}>
            <span>{email(m.user_id)}</span>
            <select
              aria-label={`Role of ${email(m.user_id)} in ${workspace.name}`}
              value={shownRole(m.user_id, m.role)}
              disabled={change.isPending}
              onChange={(e) => change.mutate({ userId: m.user_id, role: e.target.value })}
            >
              {WORKSPACE_ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            {m.role !== "owner" && (
              <button
                type="button"
                className="danger small"
                onClick={() => remove.mutate(m.user_id)}
                aria-label={`Remove ${email(m.user_id)} from ${workspace.name}`}
              >
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      {candidates.length > 0 && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-user`}>Add a member</label>
            <select id={`${id}-user`} value={userId} onChange={(e) => setUserId(e.target.value)}>
              <option value="">Choose a user…</option>
              {candidates.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.email}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-role`}>Role</label>
            <select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value)}>
              {WORKSPACE_ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={!userId || add.isPending}>
            Add
          </button>
        </form>
      )}
    </div>
  );
}
