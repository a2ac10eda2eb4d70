// A run's or a step's status as a coloured word.
import { statusWord } from "./format";

export function StatusBadge({ status }: { status: string | undefined }) {
  const word = statusWord(status);
  return <span className={`state state-${word}`}>{word}</span>;
}
