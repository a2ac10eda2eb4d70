// The tenant's audit log: who did what, from where, filtered and paged (newest first).
import { useQuery } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { listAuditEntries, type AuditEntry, type AuditFilters } from "../api/audit";
import { ErrorBanner } from "../components/ErrorBanner";

const EMPTY: AuditFilters = { action: "", actor_id: "", resource: "", outcome: "" };

export function AuditPage() {
  const id = useId();
  const [draft, setDraft] = useState<AuditFilters>(EMPTY);
  const [filters, setFilters] = useState<AuditFilters>(EMPTY);
  // The tokens of the pages before this one, so Previous goes back without a cursor API.
  const [tokens, setTokens] = useState<string[]>([""]);
  const token = tokens[tokens.length - 1];
  const page = useQuery({
    queryKey: ["audit", filters, token],
    queryFn: () => listAuditEntries(filters, token),
  });
  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
    setTokens([""]);
  }
  const field = (name: keyof AuditFilters, label: string, hint: string) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      <input
        id={`${id}-${name}`}
        value={draft[name]}
        placeholder={hint}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value })}
      />
    </div>
  );
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Audit log</h1>
      <form className="filters" onSubmit={apply} aria-label="Audit filters">
        {field("action", "Action", "auth. or user.role_changed")}
        {field("actor_id", "Actor id", "a user id")}
        {field("resource", "Resource", "user or user:<id>")}
        <div className="field">
          <label htmlFor={`${id}-outcome`}>Outcome</label>
          <select
            id={`${id}-outcome`}
            value={draft.outcome}
            onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}
          >
            <option value="">any</option>
            <option value="success">success</option>
            <option value="failure">failure</option>
          </select>
        </div>
        <button type="submit">Apply filters</button>
      </form>
      <ErrorBanner error={page.error} />
      {page.isPending && <p role="status">Loading…</p>}
      {page.data && page.data.entries.length === 0 && <p className="empty">No audit entries match.</p>}
      {page.data && page.data.entries.length > 0 && (
        <table className="data-table">
          <caption className="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Actor</th>
              <th scope="col">Resource</th>
              <th scope="col">Source IP</th>
              <th scope="col">User agent</th>
            </tr>
          </thead>
          <tbody>
            {page.data.entries.map((entry) => (
              <EntryRow key={entry.sequence ?? "0"} entry={entry} />
            ))}
          </tbody>
        </table>
      )}
      <nav aria-label="Audit pages" className="pager">
        <button type="button" disabled={tokens.length < 2} onClick={() => setTokens(tokens.slice(0, -1))}>
          Previous
        </button>
        <button
          type="button"
          disabled={!page.data?.next_page_token}
          onClick={() => page.data && setTokens([...tokens, page.data.next_page_token])}
        >
          Next
        </button>
      </nav>
    </section>
  );
}

function EntryRow({ entry }: { entry: AuditEntry }) {
  const actor = entry.actor?.id ? `${entry.actor.kind ?? ""} ${entry.actor.id}` : (entry.actor?.kind ?? "");
  return (
    <tr>
      <td>{entry.time ? new Date(entry.time).toLocaleString() : ""}</td>
      <td>{entry.action}</td>
      <td>
        <span className={`state state-${entry.outcome === "failure" ? "failed" : "completed"}`}>{entry.outcome}</span>
      </td>
      <td>{actor}</td>
      <td>{entry.resource}</td>
      <td>{entry.source_ip}</td>
      <td>{entry.user_agent}</td>
    </tr>
  );
}
