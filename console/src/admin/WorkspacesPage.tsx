// Workspaces and their members.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import {
  addMember,
  createWorkspace,
  listMembers,
  listUsers,
  listWorkspaces,
  removeMember,
  type Workspace,
} from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";
import { CreateByNameForm } from "../components/CreateByNameForm";

export function WorkspacesPage() {
  const workspaces = useQuery({ queryKey: ["workspaces"], queryFn: listWorkspaces });
  const queryClient = useQueryClient();
  const id = useId();
  const create = useMutation({
    mutationFn: (name: string) => createWorkspace(name, ""),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["workspaces"] }),
  });
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Workspaces</h1>
      <ErrorBanner error={workspaces.error} />
      {workspaces.isPending && <p role="status">Loading…</p>}
      {workspaces.data?.map((w) => (
        <WorkspaceCard key={w.id} workspace={w} />
      ))}
      {workspaces.data?.length === 0 && <p className="empty">No workspaces.</p>}
      <CreateByNameForm
        label="New workspace name"
        button="Create workspace"
        busy={create.isPending}
        error={create.error}
        onCreate={create.mutateAsync}
      />
    </section>
  );
}

function WorkspaceCard({ workspace }: { workspace: Workspace }) {
  const members = useQuery({ queryKey: ["members", workspace.id], queryFn: () => listMembers(workspace.id) });
  const users = useQuery({ queryKey: ["users", ""], queryFn: () => listUsers("") });
  const queryClient = useQueryClient();
  const [userId, setUserId] = useState("");
  const [role, setRole] = useState("member");
  const id = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["members", workspace.id] });
  const add = useMutation({ mutationFn: () => addMember(workspace.id, userId, role), onSuccess: refresh });
  const remove = useMutation({ mutationFn: (uid: string) => removeMember(workspace.id, uid), onSuccess: refresh });
  const email = (uid: string) => users.data?.find((u) => u.id === uid)?.email ?? uid;
  const memberIds = new Set(members.data?.map((m) => m.user_id));
  const candidates = users.data?.filter((u) => !memberIds.has(u.id)) ?? [];
  return (
    <article className="panel" aria-labelledby={`${id}-name`}>
      <h2 id={`${id}-name`}>{workspace.name}</h2>
      {workspace.description && <p>{workspace.description}</p>}
      <ErrorBanner error={members.error ?? add.error ?? remove.error} />
      <ul className="members">
        {members.data?.map((m) => (
          <li key={m.user_id}>
            {email(m.user_id)} <span className="role-badge">{m.role}</span>
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
              <option>member</option>
              <option>admin</option>
              <option>viewer</option>
            </select>
          </div>
          <button type="submit" disabled={!userId || add.isPending}>
            Add
          </button>
        </form>
      )}
    </article>
  );
}
