// Webhook endpoints: create (the secret is shown once), enable or disable, rotate the
// secret, delete, and an endpoint's recent messages with their attempts and replay.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import {
  createEndpoint,
  deleteEndpoint,
  listEndpoints,
  listEventTypes,
  rotateSecret,
  setEnabled,
  type Endpoint,
} from "../api/webhooks";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";
import { TextField } from "../components/TextField";
import { CopyButton } from "./CopyButton";
import { WebhookMessages } from "./WebhookMessages";

export function WebhooksPage() {
  const endpoints = useQuery({ queryKey: ["webhook-endpoints"], queryFn: listEndpoints });
  const types = useQuery({ queryKey: ["webhook-event-types"], queryFn: listEventTypes });
  const queryClient = useQueryClient();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [chosen, setChosen] = useState<string[]>(["record.created"]);
  const [secret, setSecret] = useState("");
  const [shown, setShown] = useState<Endpoint | null>(null);
  const id = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["webhook-endpoints"] });
  const create = useMutation({
    mutationFn: () => createEndpoint(url.trim(), chosen, description),
    onSuccess: (reply) => {
      setSecret(reply.secret);
      setUrl("");
      setDescription("");
      void refresh();
    },
  });
  const rotate = useMutation({ mutationFn: rotateSecret, onSuccess: (reply) => setSecret(reply.secret) });
  const toggle = useMutation({
    mutationFn: (ep: Endpoint) => setEnabled(ep.id, !ep.enabled),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: deleteEndpoint,
    onSuccess: () => {
      setShown(null);
      void refresh();
    },
  });
  const flip = (t: string) => setChosen(chosen.includes(t) ? chosen.filter((c) => c !== t) : [...chosen, t]);
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>Webhooks</h1>
      <p>Events of your tenant are POSTed to your endpoints, signed as Standard Webhooks say.</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSecret("");
          create.mutate();
        }}
      >
        <TextField
          label="Endpoint URL"
          name="url"
          type="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          error={create.error}
          required
        />
        <TextField
          label="Description"
          name="description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          error={create.error}
        />
        <fieldset className="event-types">
          <legend>Event types</legend>
          {types.data?.map((t) => (
            <label key={t} className="checkbox">
              <input type="checkbox" checked={chosen.includes(t)} onChange={() => flip(t)} /> {t}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.isPending || !url.trim() || chosen.length === 0}>
          Create endpoint
        </button>
      </form>
      <ErrorBanner error={create.error} fields={["url", "description", "event_types"]} />
      {secret && (
        <div className="notice" role="status">
          <p>The endpoint's signing secret (copy it now; it is not shown again):</p>
          <p className="link-row">
            <code>{secret}</code> <CopyButton text={secret} label="Copy secret" />
          </p>
        </div>
      )}
      <ErrorBanner error={endpoints.error ?? types.error ?? rotate.error ?? toggle.error ?? remove.error} />
      {endpoints.isPending && <p role="status">Loading…</p>}
      <ListTable rows={endpoints.data?.length ?? 0} columns={["URL", "Events", "State"]} actions>
        {endpoints.data?.map((ep) => (
          <tr key={ep.id}>
            <td>
              <code>{ep.url}</code>
              {ep.description && <div>{ep.description}</div>}
            </td>
            <td>{(ep.event_types ?? []).join(", ")}</td>
            <td>{ep.enabled ? "enabled" : `disabled${ep.disabled_reason ? ` (${ep.disabled_reason})` : ""}`}</td>
            <td className="link-row">
              <button type="button" className="secondary small" onClick={() => setShown(ep)}>
                Messages
              </button>
              <button type="button" className="secondary small" onClick={() => toggle.mutate(ep)}>
                {ep.enabled ? "Disable" : "Enable"}
              </button>
              <button
                type="button"
                className="secondary small"
                onClick={() => {
                  setSecret("");
                  rotate.mutate(ep.id);
                }}
              >
                Rotate secret
              </button>
              <button
                type="button"
                className="danger small"
                onClick={() => remove.mutate(ep.id)}
                aria-label={`Delete ${ep.url}`}
              >
                Delete
              </button>
            </td>
          </tr>
        ))}
      </ListTable>
      {endpoints.data?.length === 0 && <p className="empty">No webhook endpoints.</p>}
      {shown && <WebhookMessages endpoint={shown} />}
    </section>
  );
}
