// What the assistant has cost (this session, today, 30 days) and the budgets against it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { getBudget, getCosts, listSessions, setBudget } from "../api/chat";
import { ErrorBanner } from "../components/ErrorBanner";
import { usd } from "./SessionList";

export function CostPanel({ sessionId }: { sessionId: string }) {
  const today = useQuery({ queryKey: ["costs", 1], queryFn: () => getCosts(1) });
  const month = useQuery({ queryKey: ["costs", 30], queryFn: () => getCosts(30) });
  const sessions = useQuery({ queryKey: ["sessions"], queryFn: listSessions });
  const daily = useQuery({ queryKey: ["budgets", "user_daily"], queryFn: () => getBudget("user_daily") });
  const perSession = useQuery({
    queryKey: ["budgets", "session", sessionId],
    queryFn: () => getBudget("session", sessionId),
    enabled: Boolean(sessionId),
  });
  const sessionCost = sessions.data?.find((s) => s.id === sessionId)?.usage?.cost_usd;
  return (
    <section className="costs" aria-labelledby="costs-title">
      <h2 id="costs-title">Costs</h2>
      <ErrorBanner error={today.error ?? daily.error} />
      <dl className="facts">
        {sessionId && (
          <>
            <dt>This session</dt>
            <dd>{usd(sessionCost)}</dd>
          </>
        )}
        <dt>Today</dt>
        <dd>{usd(today.data?.cost_usd)}</dd>
        <dt>Last 30 days</dt>
        <dd>{usd(month.data?.cost_usd)}</dd>
      </dl>
      <BudgetForm
        scope="user_daily"
        label="Your daily budget"
        limit={daily.data?.limit_usd}
        spent={daily.data?.spent_usd}
      />
      {sessionId && (
        <BudgetForm
          scope="session"
          sessionId={sessionId}
          label="This session's budget"
          limit={perSession.data?.limit_usd}
          spent={perSession.data?.spent_usd}
        />
      )}
    </section>
  );
}

interface BudgetProps {
  scope: string;
  sessionId?: string;
  label: string;
  limit?: number;
  spent?: number;
}

function BudgetForm({ scope, sessionId = "", label, limit, spent }: BudgetProps) {
  const [value, setValue] = useState("");
  const id = useId();
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => setBudget(scope, Number(value), sessionId),
    onSuccess: () => {
      setValue("");
      void queryClient.invalidateQueries({ queryKey: ["budgets"] });
    },
  });
  return (
    <form
      className="budget"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <p>
        {label}: {limit ? `${usd(spent)} of ${usd(limit)}` : "none set"}
      </p>
      <label htmlFor={id}>New limit in US dollars</label>
      <div className="row">
        <input id={id} inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" className="small" disabled={!value.trim() || save.isPending}>
          Set
        </button>
      </div>
      <ErrorBanner error={save.error} />
    </form>
  );
}
