// API keys for scripts and MCP clients: create (the secret is shown once), list, revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { createApiKey, listApiKeys, revokeApiKey } from "../api/admin";
import { ErrorBanner } from "../components/ErrorBanner";
import { ListTable } from "../components/ListTable";
import { TextField } from "../components/TextField";
import { CopyButton } from "./CopyButton";

const when = (t?: string) => (t ? new Date(t).toLocaleString() : "—");

export function ApiKeysPage() {
  const keys = useQuery({ queryKey: ["api-keys"], queryFn: listApiKeys });
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState("90");
  const [secret, setSecret] = useState("");
  const id = useId();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["api-keys"] });
  const create = useMutation({
    mutationFn: () => createApiKey(name, Number(days) || 0),
    onSuccess: (reply) => {
      setSecret(reply.secret);
      setName("");
      void refresh();
    },
  });
  const revoke = useMutation({ mutationFn: revokeApiKey, onSuccess: refresh });
  return (
    <section className="page" aria-labelledby={`${id}-title`}>
      <h1 id={`${id}-title`}>API keys</h1>
      <p>A key acts as you for scripts and MCP clients. It is shown once, when it is made.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setSecret("");
          create.mutate();
        }}
      >
        <TextField
          label="Key name"
          name="display_name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={create.error}
          required
        />
        <TextField
          label="Valid for (days)"
          name="ttl_days"
          inputMode="numeric"
          value={days}
          onChange={(e) => setDays(e.target.value)}
          error={create.error}
        />
        <button type="submit" disabled={create.isPending || !name.trim()}>
          Create key
        </button>
      </form>
      <ErrorBanner error={create.error} fields={["display_name", "ttl_days"]} />
      {secret && (
        <div className="notice" role="status">
          <p>Your new key (copy it now; it is not shown again):</p>
          <p className="link-row">
            <code>{secret}</code> <CopyButton text={secret} label="Copy key" />
          </p>
        </div>
      )}
      <ErrorBanner error={keys.error ?? revoke.error} />
      {keys.isPending && <p role="status">Loading…</p>}
      <ListTable rows={keys.data?.length ?? 0} columns={["Name", "Prefix", "Created", "Expires", "Last used"]} actions>
        {keys.data?.map((key) => (
          <tr key={key.id}>
            <td>{key.display_name}</td>
            <td>
              <code>{key.prefix}</code>
            </td>
            <td>{when(key.create_time)}</td>
            <td>{when(key.expire_time)}</td>
            <td>{when(key.last_use_time)}</td>
            <td>
              {key.revoke_time ? (
                <span className="badge-off">revoked</span>
              ) : (
                <button
                  type="button"
                  className="danger small"
                  onClick={() => revoke.mutate(key.id)}
                  aria-label={`Revoke ${key.display_name}`}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </ListTable>
      {keys.data?.length === 0 && <p className="empty">No API keys.</p>}
    </section>
  );
}
