// The bases the user may see (a tenant admin: all of the tenant's; anyone else: those of
// the workspaces they belong to), and a new one in a workspace.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { listBases } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { NewBaseForm } from "./NewBaseForm";

export function BasesPage() {
  // Onboarding makes the sample base just after sign-up: look again until one is there.
  const bases = useQuery({
    queryKey: ["bases"],
    queryFn: listBases,
    refetchInterval: (query) => (query.state.data?.length === 0 ? 1500 : false),
  });
  return (
    <section className="page" aria-labelledby="bases-title">
      <h1 id="bases-title">Bases</h1>
      <ErrorBanner error={bases.error} />
      {bases.isPending && <p role="status">Loading bases…</p>}
      {bases.data && bases.data.length === 0 && (
        <p className="empty">
          No bases yet. Your sample base appears here once onboarding has made it, and the bases of the workspaces you
          join.
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
      <NewBaseForm />
    </section>
  );
}
