import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App";
import { ApiError } from "./api/errors";
import { AuthProvider } from "./auth/AuthProvider";
import "./styles/base.css";
import "./styles/frame.css";
import "./styles/tables.css";
import "./styles/lists.css";
import "./styles/assistant.css";
import "./styles/workflows.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refused call (4xx) will be refused again: show it instead of retrying.
      retry: (count, error) =>
        !(error instanceof ApiError && error.httpStatus >= 400 && error.httpStatus < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <AuthProvider>
          <App />
        </AuthProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
