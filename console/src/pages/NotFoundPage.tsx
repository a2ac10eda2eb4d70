import { Link } from "react-router";

export function NotFoundPage() {
  return (
    <section className="page" aria-labelledby="nf-title">
      <h1 id="nf-title">Page not found</h1>
      <p>
        Nothing lives at this address. Go to your <Link to="/bases">bases</Link>.
      </p>
    </section>
  );
}
