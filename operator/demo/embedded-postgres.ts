// An in-memory Postgres for `demo` and tests: PGlite (Postgres compiled to WASM)
// served over the wire protocol on 127.0.0.1, so the real pg driver and the real
// generated server talk to it exactly as they would to a production database.
//
// PGlite has ONE backend session. Every TCP connection is multiplexed onto it, so
// session state (named prepared statements, SET values) is shared by all
// connections. Clients should use a pool of one connection; see startEmbeddedPostgres.

import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgresOptions {
  /** Scripts run in order (each may hold many statements) before the port opens. */
  sql?: string[];
}

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres — no password, local only. */
  url: string;
  port: number;
  /** Closes client connections, the listening port and the database. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Simultaneous client connections accepted: enough for a reader pool, a writer
 * pool and a CLI at once. A connection beyond it is dropped without a Postgres error.
 */
const MAX_CLIENTS = 8;

/** First word of every startup packet after its length: protocol version 3.0. */
const PROTOCOL_3_0 = 196608;

/**
 * Starts PGlite in memory, runs `options.sql`, then listens on a free port.
 * Rejects (after releasing everything it opened) if a script fails or the port
 * cannot be bound; the message names the failing script.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  const scripts = options.sql ?? [];
  for (const [index, script] of scripts.entries()) {
    try {
      await db.exec(script);
    } catch (cause) {
      await db.close();
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new Error(`embedded Postgres: SQL script ${index + 1} of ${scripts.length} failed: ${reason}`, { cause });
    }
  }

  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: 0,
    maxConnections: MAX_CLIENTS,
  });
  resetSessionForLoneClients(db, () => server.getStats().activeConnections);
  try {
    await server.start();
  } catch (cause) {
    await db.close();
    throw new Error("embedded Postgres: could not listen on 127.0.0.1", { cause });
  }

  const port = listeningPort(server);
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop() {
      stopping ??= server.stop().finally(() => db.close());
      return stopping;
    },
  };
}

/**
 * A pg pool closes idle connections (after 10 s by default) and later reconnects;
 * the new connection would re-prepare statement names the shared session still
 * holds and fail with "prepared statement already exists". So the session is
 * reset, as a fresh backend would be, when the only client says goodbye and again
 * when a client connects while no other one is attached (which also covers
 * clients that vanished without a goodbye). With several clients attached
 * nothing is reset: they must not use the same statement names.
 */
function resetSessionForLoneClients(db: PGlite, activeConnections: () => number): void {
  const forward = db.execProtocolRawStream.bind(db);
  // Called by the socket server's query queue, already inside PGlite's exclusive
  // lock, so the reset runs as a raw protocol message rather than through db.exec.
  db.execProtocolRawStream = async (message, streamOptions) => {
    const boundary = isStartupPacket(message) || isTerminate(message);
    if (boundary && activeConnections() <= 1 && !db.isInTransaction()) {
      await forward(simpleQuery("DISCARD ALL"), { onRawData: () => {} });
    }
    return forward(message, streamOptions);
  };
}

function isStartupPacket(message: Uint8Array): boolean {
  if (message.length < 8 || message[0] !== 0) return false;
  return new DataView(message.buffer, message.byteOffset, message.byteLength).getInt32(4) === PROTOCOL_3_0;
}

/** The frontend 'X' message a client sends before it closes the connection. */
function isTerminate(message: Uint8Array): boolean {
  return message.length === 5 && message[0] === 0x58;
}

/** A frontend 'Q' (simple query) message. */
function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, "utf8");
  const message = Buffer.alloc(1 + 4 + body.length);
  message.write("Q", 0, "ascii");
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}

function listeningPort(server: PGLiteSocketServer): number {
  // getServerConn() is the documented accessor; it reports the OS-assigned port after start().
  const port = Number(server.getServerConn().split(":").pop());
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`embedded Postgres: unexpected listening address ${server.getServerConn()}`);
  }
  return port;
}
