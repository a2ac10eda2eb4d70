// Workspaces: each with its members (added, their role changed, removed) and its linked
// bases (linked, unlinked); and a new workspace.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { createWorkspace, listWorkspaces } from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";
import { CreateByNameForm } from "../components/CreateByNameForm";
import { WorkspaceCard } from "./WorkspaceCard";

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
