// The tenant's bases, and a new one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "react-router";
import { createBase, listBases } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { CreateByNameForm } from "../components/CreateByNameForm";

export function BasesPage() {
  // Onboarding makes the sample base just after sign-up: look again until one is there.
  const bases = useQuery({
    queryKey: ["bases"],
    queryFn: listBases,
    refetchInterval: (query) => (query.state.data?.length === 0 ? 1500 : false),
  });
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation({
    mutationFn: (name: string) => createBase(name),
    onSuccess: (reply) => {
      void queryClient.invalidateQueries({ queryKey: ["bases"] });
      navigate(`/bases/${reply.base.id}`);
    },
  });
  return (
    <section className="page" aria-labelledby="bases-title">
      <h1 id="bases-title">Bases</h1>
      <ErrorBanner error={bases.error} />
      {bases.isPending && <p role="status">Loading bases…</p>}
      {bases.data && bases.data.length === 0 && (
        <p className="empty">
          No bases yet. Your sample base appears here once onboarding has made it; or create one below.
        </p>
      )}
      <ul className="cards" aria-label="Your bases">
        {bases.data?.map((b) => (
          <li key={b.id}>
            <Link to={`/bases/${b.id}`} className="card-link">
              <span className="card-title">{b.name}</span>
              <span className="muted">
                {b.backend === "airtable" ? "Airtable base" : "tablemesh base"}
                {b.create_time && ` · created ${new Date(b.create_time).toLocaleDateString()}`}
              </span>
            </Link>
          </li>
        ))}
      </ul>
      <CreateByNameForm
        label="New base name"
        button="Create base"
        busy={create.isPending}
        error={create.error}
        onCreate={create.mutateAsync}
      />
    </section>
  );
}
