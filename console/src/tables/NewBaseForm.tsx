// A new base: its name and the workspace it goes into (the user's workspaces, the first
// chosen; tenant admins may also leave it in no workspace, which only they see). Without
// a workspace a user who is no tenant admin cannot make a base: the form says why instead.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link, useNavigate } from "react-router";
import { listWorkspaces } from "../api/admin";
import { createBase } from "../api/tables";
import { isAdmin, usePrincipal } from "../auth/AuthProvider";
import { CreateByNameForm } from "../components/CreateByNameForm";
import { ErrorBanner } from "../components/ErrorBanner";

export function NewBaseForm() {
  // Onboarding makes a new user's first workspace, and an admin may add a user to one at any
  // time: while there is none, look again now and then.
  const workspaces = useQuery({
    queryKey: ["workspaces"],
    queryFn: listWorkspaces,
    refetchInterval: (query) => (query.state.data?.length === 0 ? 5000 : false),
  });
  const admin = isAdmin(usePrincipal());
  const [chosen, setChosen] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const id = useId();
  const workspaceId = chosen ?? workspaces.data?.[0]?.id ?? "";
  const create = useMutation({
    mutationFn: (name: string) => createBase(name, workspaceId),
    onSuccess: (reply) => {
      void queryClient.invalidateQueries({ queryKey: ["bases"] });
      void queryClient.invalidateQueries({ queryKey: ["linked-bases"] });
      navigate(`/bases/${reply.base.id}`);
    },
  });
  if (workspaces.error) return <ErrorBanner error={workspaces.error} title="Your workspaces could not be read." />;
  if (!workspaces.data) return <p role="status">Loading your workspaces…</p>;
  const none = workspaces.data.length === 0;
  if (none && !admin) {
    return (
      <p className="notice">
        You are in no workspace yet, so you cannot create a base. Bases live in workspaces: ask an admin of a workspace
        to add you to it (as its admin or owner to create bases there; as a member or viewer to work in its bases).
      </p>
    );
  }
  return (
    <>
      {none && (
        <p className="empty">
          You are in no workspace yet. A base in no workspace is seen by tenant admins only; to share bases with your
          team, first <Link to="/admin/workspaces">create a workspace</Link>.
        </p>
      )}
      <CreateByNameForm
        label="New base name"
        button="Create base"
        busy={create.isPending}
        error={create.error}
        onCreate={create.mutateAsync}
      >
        <div className="field">
          <label htmlFor={`${id}-workspace`}>Workspace</label>
          <select id={`${id}-workspace`} value={workspaceId} onChange={(e) => setChosen(e.target.value)}>
            {workspaces.data.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
            {admin && <option value="">No workspace (tenant admins only)</option>}
          </select>
        </div>
      </CreateByNameForm>
    </>
  );
}
