// The onboarding sagas (and any other kind), each opened to show its steps.
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { getSaga, listSagas, type Saga } from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";

export function SagasPage() {
  const [type, setType] = useState("user_onboarding");
  const sagas = useQuery({ queryKey: ["sagas", type], queryFn: () => listSagas(type) });
  const id = useId();
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Onboarding sagas</h1>
      <div className="field">
        <label htmlFor={`${id}-type`}>Saga type</label>
        <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value)}>
          <option value="user_onboarding">user_onboarding</option>
          <option value="airtable_integration">airtable_integration</option>
          <option value="">all</option>
        </select>
      </div>
      <ErrorBanner error={sagas.error} />
      {sagas.isPending && <p role="status">Loading…</p>}
      <ul className="saga-list">
        {sagas.data?.map((saga) => (
          <SagaItem key={saga.id} saga={saga} />
        ))}
      </ul>
      {sagas.data?.length === 0 && <p className="empty">No sagas of this type.</p>}
    </section>
  );
}

function SagaItem({ saga }: { saga: Saga }) {
  const [open, setOpen] = useState(false);
  const detail = useQuery({ queryKey: ["saga", saga.id], queryFn: () => getSaga(saga.id), enabled: open });
  const who = typeof saga.input?.email === "string" ? saga.input.email : saga.id;
  return (
    <li>
      <details className="panel" onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <span className={`state state-${saga.state}`}>{saga.state}</span> {saga.type} for {who}
          <span className="muted"> · {saga.create_time ? new Date(saga.create_time).toLocaleString() : ""}</span>
        </summary>
        {saga.error && <p className="field-error">{saga.error}</p>}
        <ErrorBanner error={detail.error} />
        {detail.isPending && open && <p role="status">Loading steps…</p>}
        <ol className="steps">
          {detail.data?.steps?.map((step) => (
            <li key={step.name}>
              <span className={`state state-${step.state}`}>{step.state}</span> {step.name}
              {(step.attempts ?? 0) > 1 && <span className="muted"> · {step.attempts} attempts</span>}
              {step.error && <span className="field-error"> {step.error}</span>}
            </li>
          ))}
        </ol>
      </details>
    </li>
  );
}
