// The bases linked to a workspace (named from the bases list, an id when the list lacks
// it), each unlinked with a button; and a base not linked here, linked from a select. A
// base in another workspace is refused by the API with the workspace to unlink it from.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link } from "react-router";
import { linkBase, listLinkedBases, unlinkBase, type Workspace } from "../api/admin";
import { listBases } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";

export function LinkedBases({ workspace }: { workspace: Workspace }) {
  const linked = useQuery({ queryKey: ["linked-bases", workspace.id], queryFn: () => listLinkedBases(workspace.id) });
  const bases = useQuery({ queryKey: ["bases"], queryFn: listBases });
  const queryClient = useQueryClient();
  const [baseId, setBaseId] = useState("");
  const id = useId();
  // A link made here may be one taken away elsewhere: every workspace's list is read again.
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["linked-bases"] });
  const link = useMutation({
    mutationFn: () => linkBase(workspace.id, baseId),
    onSuccess: () => {
      setBaseId("");
      return refresh();
    },
  });
  const unlink = useMutation({ mutationFn: (base: string) => unlinkBase(workspace.id, base), onSuccess: refresh });
  const name = (base: string) => bases.data?.find((b) => b.id === base)?.name ?? base;
  const linkedIds = new Set(linked.data?.map((l) => l.base_id));
  const candidates = bases.data?.filter((b) => !linkedIds.has(b.id)) ?? [];
  return (
    <div>
      <h3>Bases</h3>
      <ErrorBanner error={linked.error ?? bases.error ?? link.error ?? unlink.error} />
      {linked.data?.length === 0 && <p className="empty">No bases linked to {workspace.name}.</p>}
      <ul className="linked-bases" aria-label={`Bases of ${workspace.name}`}>
        {linked.data?.map((l) => (
          <li key={l.base_id}>
            <Link to={`/bases/${encodeURIComponent(l.base_id)}`}>{name(l.base_id)}</Link>
            <button
              type="button"
              className="danger small"
              disabled={unlink.isPending}
              onClick={() => unlink.mutate(l.base_id)}
              aria-label={`Unlink ${name(l.base_id)} from ${workspace.name}`}
            >
              Unlink
            </button>
          </li>
        ))}
      </ul>
      {candidates.length > 0 && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            link.mutate();
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-base`}>Link a base</label>
            <select id={`${id}-base`} value={baseId} onChange={(e) => setBaseId(e.target.value)}>
              <option value="">Choose a base…</option>
              {candidates.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={!baseId || link.isPending}>
            Link
          </button>
        </form>
      )}
    </div>
  );
}
