// Kept free of imports: the browser tests and the benchmarks (bench/runner) both run it in
// their pages.

/**
 * Counts the page's fetches until their bodies have arrived, the event stream aside, whose chunks
 * (heartbeats, events) are counted instead, from a copy of its body.
 */
export function watchFetches() {
  const fetch = window.fetch;
  window.inflight = 0;
  window.streamChunks = 0;
  window.fetch = function (...args) {
    const promise = fetch.apply(this, args);
    const url = args[0] instanceof Request ? args[0].url : String(args[0]);
    if (new URL(url, location.href).pathname.endsWith("/events")) {
      promise.then(async (response) => {
        const reader = response.clone().body.getReader();
        try {
          while (!(await reader.read()).done) window.streamChunks++;
        } catch {
          // Aborted with the widget's copy.
        }
      }, () => {});
      return promise;
    }
    window.inflight++;
    const done = () => window.inflight--;
    promise.then((response) => response.clone().arrayBuffer().then(done, done), done);
    return promise;
  };
}
