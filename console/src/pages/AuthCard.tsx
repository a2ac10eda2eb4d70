// The frame of the signed-out pages (sign-in, sign-up, invitation).
import type { ReactNode } from "react";

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="auth-page">
      <section className="auth-card" aria-labelledby="auth-title">
        <p className="brand">tablemesh</p>
        <h1 id="auth-title">{title}</h1>
        {children}
      </section>
    </main>
  );
}
