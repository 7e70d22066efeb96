import Connect from "./connect";

// Rendered on each request, so the server imports the package at run time too, not only while
// `next build` prerenders.
export const dynamic = "force-dynamic";

export default function Page() {
  return (
    <main>
      <h1>Link your WhatsApp</h1>
      <Connect />
    </main>
  );
}
