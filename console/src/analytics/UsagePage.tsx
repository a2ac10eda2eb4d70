// Usage: the tenant's figures for an admin, one's own for anyone else (the service
// decides the scope): totals for today, 7 and 30 days, the tables written most, and
// usage per user per day.
import { useQuery } from "@tanstack/react-query";
import { listUsers } from "../api/admin";
import { getDashboard, getUsage } from "../api/analytics";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";
import { count, figureRows, formatCost } from "./figures";

export function UsagePage() {
  const board = useQuery({ queryKey: ["analytics", "dashboard"], queryFn: getDashboard, refetchInterval: 15_000 });
  const usage = useQuery({ queryKey: ["analytics", "usage"], queryFn: getUsage, refetchInterval: 15_000 });
  const tenant = board.data?.scope === "tenant";
  // Names for the user ids (the tenant's people; if they cannot be read, the ids stay).
  const people = useQuery({ queryKey: ["users", ""], queryFn: () => listUsers(""), retry: false });
  const nameOf = (id: string) => {
    const user = people.data?.find((u) => u.id === id);
    return user ? user.display_name || user.email : undefined;
  };
  return (
    <section className="page" aria-labelledby="usage-title">
      <h1 id="usage-title">{tenant ? "Team usage" : "Your usage"}</h1>
      <ErrorBanner error={board.error ?? usage.error} />
      {board.isPending && <p role="status">Loading…</p>}
      {board.data && (
        <>
          <p className="muted">Days in UTC, up to {board.data.day}. Figures arrive within seconds.</p>
          <ListTable rows={1} caption="Totals" columns={["Figure", "Today", "Last 7 days", "Last 30 days"]}>
            {figureRows(board.data).map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <td className="num">{row.today}</td>
                <td className="num">{row.week}</td>
                <td className="num">{row.month}</td>
              </tr>
            ))}
          </ListTable>
          {(board.data.top_tables ?? []).length === 0 && <p>No table was written in the last 30 days.</p>}
          <ListTable
            rows={(board.data.top_tables ?? []).length}
            caption="Tables written most (30 days)"
            columns={["Table", "Writes"]}
          >
            {(board.data.top_tables ?? []).map((t) => (
              <tr key={t.table_id}>
                <td>{t.table_name}</td>
                <td className="num">{count(t.writes).toLocaleString("en-US")}</td>
              </tr>
            ))}
          </ListTable>
        </>
      )}
      <ListTable
        rows={(usage.data ?? []).length}
        caption="Per user per day"
        columns={["Day", "User", "API calls", "Chat turns", "Tokens in", "Tokens out", "Cost"]}
      >
        {(usage.data ?? []).map((u) => (
          <tr key={`${u.day}/${u.user_id}`}>
            <td>{u.day}</td>
            <td>{nameOf(u.user_id) ?? <code>{u.user_id}</code>}</td>
            <td className="num">{count(u.api_calls).toLocaleString("en-US")}</td>
            <td className="num">{count(u.chat_turns).toLocaleString("en-US")}</td>
            <td className="num">{count(u.input_tokens).toLocaleString("en-US")}</td>
            <td className="num">{count(u.output_tokens).toLocaleString("en-US")}</td>
            <td className="num">{formatCost(u.cost_usd)}</td>
          </tr>
        ))}
      </ListTable>
    </section>
  );
}
