// The input for a password being chosen (sign-up, an invitation, a change).
import { TextField } from "../components/TextField";

export function NewPasswordField({ name, label, error }: { name: string; label: string; error: unknown }) {
  return (
    <TextField
      label={label}
      name={name}
      type="password"
      autoComplete="new-password"
      required
      hint="At least 8 characters."
      error={error}
    />
  );
}
