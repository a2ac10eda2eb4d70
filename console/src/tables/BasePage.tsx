// One base: its tables as tabs, and the chosen table's records.
import { useQuery } from "@tanstack/react-query";
import { Link, Navigate, useParams } from "react-router";
import { getSchema, listBases } from "../api/tables";
import { ErrorBanner } from "../components/ErrorBanner";
import { RecordsGrid } from "./RecordsGrid";

export function BasePage() {
  const { baseId = "", tableId } = useParams();
  const schema = useQuery({ queryKey: ["schema", baseId], queryFn: () => getSchema(baseId) });
  const bases = useQuery({ queryKey: ["bases"], queryFn: listBases });
  const baseName = bases.data?.find((b) => b.id === baseId)?.name ?? "Base";
  const tables = schema.data ?? [];
  if (!tableId && tables.length > 0) return <Navigate to={`/bases/${baseId}/tables/${tables[0].id}`} replace />;
  const table = tables.find((t) => t.id === tableId);
  return (
    <section className="page wide" aria-labelledby="base-title">
      <p className="crumbs">
        <Link to="/bases">Bases</Link> / <span>{baseName}</span>
      </p>
      <h1 id="base-title">{baseName}</h1>
      <ErrorBanner error={schema.error} />
      {schema.isPending && <p role="status">Loading tables…</p>}
      {tables.length > 0 && (
        <nav aria-label="Tables" className="tabs">
          {tables.map((t) => (
            <Link
              key={t.id}
              to={`/bases/${baseId}/tables/${t.id}`}
              aria-current={t.id === tableId ? "page" : undefined}
            >
              {t.name}
            </Link>
          ))}
        </nav>
      )}
      {schema.data && tables.length === 0 && <p className="empty">This base has no tables.</p>}
      {table && <RecordsGrid key={table.id} baseId={baseId} table={table} />}
      {schema.data && tableId && !table && <p className="empty">This table is not in the base.</p>}
    </section>
  );
}
