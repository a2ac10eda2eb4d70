// A base's table names by id (for trigger summaries); nothing when no base is named.
import { useQuery } from "@tanstack/react-query";
import { getSchema } from "../api/tables";

export function useTableNames(baseId: string | undefined): (tableId: string) => string | undefined {
  const schema = useQuery({ queryKey: ["schema", baseId], queryFn: () => getSchema(baseId!), enabled: !!baseId });
  return (tableId) => schema.data?.find((t) => t.id === tableId)?.name;
}
