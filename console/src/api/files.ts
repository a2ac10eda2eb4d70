// Files (the automation service): upload as a raw body, list, read back, process, delete.
import { api } from "./client";

export interface StoredFile {
  id: string;
  name: string;
  content_type: string;
  /** int64: the transcoder prints it as a string. */
  size_bytes: string | number;
  sha256: string;
  uploaded_by?: string;
  create_time?: string;
}

export interface FilesPage {
  files?: StoredFile[];
  next_page_token?: string;
}

export interface ReadTable {
  name: string;
  rows?: { cells?: string[] }[];
  /** int64, as a string. */
  row_count?: string | number;
}

export interface ProcessedFile {
  file: StoredFile;
  text?: string;
  tables?: ReadTable[];
  text_truncated?: boolean;
  rows_truncated?: boolean;
}

export const listFiles = (pageToken = "") =>
  api.get<FilesPage>("/api/v1/files", { page_size: 50, page_token: pageToken });

/** Uploads a file; the request id makes a retry of a lost answer store nothing new. */
export const uploadFile = (file: File, requestId: string) =>
  api
    .upload<{ file: StoredFile }>("/api/v1/files", file, { name: file.name, request_id: requestId })
    .then((r) => r.file);

export const processFile = (id: string) => api.post<ProcessedFile>(`/api/v1/files/${id}:process`, {});

export const deleteFile = (id: string) => api.delete(`/api/v1/files/${id}`);

/** Downloads a file's bytes under its name (the content needs the access token, so it is
 * fetched and handed to the browser as an object URL rather than linked). */
export async function downloadFile(file: StoredFile): Promise<void> {
  const blob = await api.blob(`/api/v1/files/${file.id}/content`);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = file.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
