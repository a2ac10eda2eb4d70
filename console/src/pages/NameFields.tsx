// First and last name, side by side (sign-up and an invitation's accept).
import { TextField } from "../components/TextField";

export function NameFields({ error }: { error: unknown }) {
  return (
    <div className="row">
      <TextField label="First name" name="first_name" autoComplete="given-name" required error={error} />
      <TextField label="Last name" name="last_name" autoComplete="family-name" required error={error} />
    </div>
  );
}
