// An adapter whose driver is loaded on first use. A client's first requests (initialize,
// tools/list) need no database, and evaluating the driver (pg and its helpers: ~5 ms of CPU) before
// answering them delayed every cold start; the server's start-up source check, one turn of the
// event loop later, or the first call loads it instead. Nothing about the source is checked at
// load: a bad URL or a database that is down shows at that check or call, as before.

import type { Adapter, Engine } from "./adapter.ts";

export function deferredAdapter(engine: Engine, open: () => Promise<Adapter>): Adapter {
  let loaded: Adapter | undefined;
  let loading: Promise<Adapter> | undefined;
  let closed = false;
  // After close() nothing is loaded any more (a pool opened then would keep the process alive):
  // a use fails as a driver's pool fails after it was ended.
  const load = () => (loading ??= closed ? Promise.reject(new Error("the database adapter is closed")) : open().then((adapter) => (loaded = adapter)));
  return {
    engine,
    // Once loaded, calls go straight to the driver's adapter: no promise in between.
    query: (statement, params) => (loaded ? loaded.query(statement, params) : load().then((a) => a.query(statement, params))),
    transaction: (work) => (loaded ? loaded.transaction(work) : load().then((a) => a.transaction(work))),
    verify: () => load().then((a) => a.verify()),
    prepare: (statement) => load().then((a) => a.prepare(statement)),
    // No pool before the driver is loaded: nothing to count yet.
    poolStats: () => loaded?.poolStats?.(),
    // Never loaded: nothing to close. Loading: close what it opens.
    close: () => {
      closed = true;
      return loading ? loading.then((a) => a.close()) : Promise.resolve();
    },
  };
}
