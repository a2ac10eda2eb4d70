// An API error as a user reads it: the Status message, and the field violations that no
// input on the page shows beside itself.
import { ApiError, errorMessage, unplacedViolations } from "../api/errors";

interface Props {
  error: unknown;
  /** The inputs that show their own violations. */
  fields?: string[];
  title?: string;
}

export function ErrorBanner({ error, fields = [], title }: Props) {
  if (!error) return null;
  const extra = error instanceof ApiError ? unplacedViolations(error, fields) : [];
  return (
    <div className="error-banner" role="alert">
      {title && <strong>{title} </strong>}
      <span className="error-message">{errorMessage(error)}</span>
      {error instanceof ApiError && error.code !== 3 && <span className="error-code"> ({error.codeName})</span>}
      {extra.length > 0 && (
        <ul>
          {extra.map((v) => (
            <li key={v.field + v.description}>
              <code>{v.field}</code>: {v.description}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
