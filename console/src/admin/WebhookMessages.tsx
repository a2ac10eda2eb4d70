// One endpoint's recent messages, each with its attempts on demand and a replay button.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { listAttempts, listMessages, replayMessage, type Endpoint } from "../api/webhooks";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";

const when = (t?: string) => (t ? new Date(t).toLocaleString() : "—");
const statusWord = (s: string) => s.replace("MESSAGE_STATUS_", "").toLowerCase();

function Attempts({ endpointId, messageId }: { endpointId: string; messageId: string }) {
  const found = useQuery({
    queryKey: ["webhook-attempts", endpointId, messageId],
    queryFn: () => listAttempts(endpointId, messageId),
  });
  return (
    <>
      <ErrorBanner error={found.error} />
      <ListTable rows={found.data?.length ?? 0} columns={["#", "Status", "Latency", "When", "Answer or error"]}>
        {found.data?.map((a) => (
          <tr key={a.id}>
            <td>{a.number}</td>
            <td>{a.response_status || "—"}</td>
            <td>{a.latency_ms ?? 0} ms</td>
            <td>{when(a.create_time)}</td>
            <td>
              <code>{(a.error || a.response_body || "").slice(0, 120)}</code>
            </td>
          </tr>
        ))}
      </ListTable>
    </>
  );
}

export function WebhookMessages({ endpoint }: { endpoint: Endpoint }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState("");
  const messages = useQuery({
    queryKey: ["webhook-messages", endpoint.id],
    queryFn: () => listMessages(endpoint.id),
    refetchInterval: 3000,
  });
  const replay = useMutation({
    mutationFn: (messageId: string) => replayMessage(endpoint.id, messageId),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["webhook-messages", endpoint.id] }),
  });
  return (
    <div className="webhook-messages">
      <h3>Recent messages to {endpoint.url}</h3>
      <ErrorBanner error={messages.error ?? replay.error} />
      <ListTable
        rows={messages.data?.length ?? 0}
        columns={["Event", "Status", "Attempts", "Created", "Last error"]}
        actions
      >
        {messages.data?.map((m) => (
          <tr key={m.id}>
            <td>
              <code>{m.event_type}</code>
            </td>
            <td>{statusWord(m.status)}</td>
            <td>{m.attempt_count ?? 0}</td>
            <td>{when(m.create_time)}</td>
            <td>{m.last_error || "—"}</td>
            <td className="link-row">
              <button
                type="button"
                className="secondary small"
                aria-expanded={open === m.id}
                onClick={() => setOpen(open === m.id ? "" : m.id)}
              >
                {open === m.id ? "Hide attempts" : "Attempts"}
              </button>
              <button type="button" className="small" onClick={() => replay.mutate(m.id)}>
                Replay
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {messages.data?.length === 0 && <p className="empty">No messages yet.</p>}
      {open && <Attempts endpointId={endpoint.id} messageId={open} />}
    </div>
  );
}
