// The one-input form that makes something by name (a base, a workspace), with the API's
// error beside the input; other inputs (a base's workspace) go between it and the button.
import { useState, type ReactNode } from "react";
import { ErrorBanner } from "./ErrorBanner";
import { TextField } from "./TextField";

interface Props {
  label: string;
  button: string;
  busy: boolean;
  error: unknown;
  onCreate(name: string): Promise<unknown>;
  children?: ReactNode;
}

export function CreateByNameForm({ label, button, busy, error, onCreate, children }: Props) {
  const [name, setName] = useState("");
  return (
    <>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          onCreate(name.trim()).then(
            () => setName(""),
            () => undefined,
          );
        }}
      >
        <TextField
          label={label}
          name="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={error}
          required
        />
        {children}
        <button type="submit" disabled={busy || !name.trim()}>
          {button}
        </button>
      </form>
      <ErrorBanner error={error} fields={["name"]} />
    </>
  );
}
