// The mesh's health: every service, Envoy and the data stores, checked now.
import { useQuery } from "@tanstack/react-query";
import { getMeshHealth, type ServiceHealth } from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";

export function HealthPage() {
  const health = useQuery({ queryKey: ["health"], queryFn: getMeshHealth, refetchInterval: 10_000 });
  return (
    <section className="page" aria-labelledby="health-title">
      <h1 id="health-title">Mesh health</h1>
      <ErrorBanner error={health.error} />
      {health.isPending && <p role="status">Loading…</p>}
      {health.data && (
        <p>
          The mesh is <span className={`state state-${health.data.status}`}>{health.data.status}</span>
          {health.data.check_time && (
            <span className="muted"> · checked {new Date(health.data.check_time).toLocaleTimeString()}</span>
          )}{" "}
          <button type="button" className="secondary small" onClick={() => void health.refetch()}>
            Check again
          </button>
        </p>
      )}
      <HealthTable title="Services" rows={health.data?.services ?? []} />
      <HealthTable title="Gateway and data stores" rows={health.data?.dependencies ?? []} />
    </section>
  );
}

function HealthTable({ title, rows }: { title: string; rows: ServiceHealth[] }) {
  return (
    <ListTable rows={rows.length} caption={title} columns={["Name", "Status", "Latency", "Version", "Address"]}>
      {rows.map((row) => (
        <tr key={row.name}>
          <td>{row.name}</td>
          <td>
            <span className={`state state-${row.status}`}>{row.status}</span>
            {row.error && <span className="field-error"> {row.error}</span>}
          </td>
          <td className="num">{row.latency_ms !== undefined ? `${row.latency_ms.toFixed(1)} ms` : ""}</td>
          <td>{row.version}</td>
          <td>
            <code>{row.address}</code>
          </td>
        </tr>
      ))}
    </ListTable>
  );
}
