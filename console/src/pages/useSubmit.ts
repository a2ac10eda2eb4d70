// A form's submit state: busy while the call runs, the error it ended with.
import { useState, type FormEvent } from "react";

export function useSubmit(action: (form: FormData) => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action(new FormData(event.currentTarget));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, onSubmit, setError };
}

export function text(form: FormData, name: string): string {
  return String(form.get(name) ?? "");
}
