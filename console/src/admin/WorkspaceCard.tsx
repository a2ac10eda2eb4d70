// One workspace on the admin Workspaces page: its members and its linked bases.
import { useId } from "react";
import type { Workspace } from "../api/admin";
import { LinkedBases } from "./LinkedBases";
import { WorkspaceMembers } from "./WorkspaceMembers";

export function WorkspaceCard({ workspace }: { workspace: Workspace }) {
  const id = useId();
  return (
    <article className="panel workspace" aria-labelledby={`${id}-name`}>
      <h2 id={`${id}-name`}>{workspace.name}</h2>
      {workspace.description && <p>{workspace.description}</p>}
      <WorkspaceMembers workspace={workspace} />
      <LinkedBases workspace={workspace} />
    </article>
  );
}
