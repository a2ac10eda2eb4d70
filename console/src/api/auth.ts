// Account calls: sign-up, sign-in, invitations' accept, sign-out, password, the caller.
import { api, session } from "./client";
import type { TokenReply } from "./session";

export interface Principal {
  user_id: string;
  tenant_id: string;
  email: string;
  role: string;
}

export interface SignUpInput {
  email: string;
  password: string;
  first_name: string;
  last_name: string;
}

export async function signIn(email: string, password: string): Promise<void> {
  const reply = await api.post<TokenReply>("/api/v1/auth/login", { email, password }, { cookieSession: true });
  session.accept(reply);
}

export async function signUp(input: SignUpInput): Promise<void> {
  const reply = await api.post<TokenReply>("/api/v1/auth/register", input, { cookieSession: true });
  session.accept(reply);
}

export async function acceptInvitation(token: string, input: Omit<SignUpInput, "email">): Promise<void> {
  const reply = await api.post<TokenReply>(
    "/api/v1/auth/invitations:accept",
    { ...input, token },
    { cookieSession: true },
  );
  session.accept(reply);
}

export async function signOut(): Promise<void> {
  try {
    await api.post("/api/v1/auth/logout", {}, { cookieSession: true });
  } finally {
    session.clear();
  }
}

export async function fetchMe(): Promise<Principal> {
  const reply = await api.get<{ principal: Principal }>("/api/v1/auth/me");
  return reply.principal;
}

/** A password change ends every session of the account, this one included: the caller
 * signs in again with the new password. */
export async function changePassword(current_password: string, new_password: string): Promise<void> {
  await api.post("/api/v1/auth/change-password", { current_password, new_password }, { cookieSession: true });
  session.clear();
}
