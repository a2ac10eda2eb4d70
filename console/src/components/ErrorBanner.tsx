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
  const placed = error instanceof ApiError ? error.violations.length - extra.length : 0;
  // When every violation is shown beside its input, the Status message (which lists them
  // all with their proto field names) would only repeat them: say where to look instead.
  const message =
    placed > 0 && extra.length === 0
      ? `Please correct the ${placed === 1 ? "highlighted field" : `${placed} highlighted fields`} below.`
      : sentence(errorMessage(error));
  return (
    <div className="error-banner" role="alert">
      {title && <strong>{title} </strong>}
      <span className="error-message">{message}</span>
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

/** The API's messages start in lower case (they are also read in logs): a sentence here. */
function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
