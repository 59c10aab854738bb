// Preloaded with `node --import` to prove a process needs no network: every way Node opens a
// connection or resolves a name (fetch, net/tls sockets, which http and https use, and dns)
// throws instead, and the process writes NO_NETWORK_USED to stderr when it tried. Child
// processes are not covered (a spawned server has its own process and environment).

import dns from "node:dns";
import net from "node:net";
import tls from "node:tls";

export const NO_NETWORK_USED = "no-network: a connection was attempted";

function refuse(what: string): never {
  process.stderr.write(`${NO_NETWORK_USED} (${what})\n`);
  throw new Error(`${NO_NETWORK_USED} (${what})`);
}

globalThis.fetch = (() => refuse("fetch")) as typeof fetch;
net.Socket.prototype.connect = function () {
  return refuse("net.Socket.connect");
} as typeof net.Socket.prototype.connect;
net.connect = net.createConnection = (() => refuse("net.connect")) as typeof net.connect;
tls.connect = (() => refuse("tls.connect")) as typeof tls.connect;
dns.lookup = (() => refuse("dns.lookup")) as unknown as typeof dns.lookup;
dns.promises.lookup = (() => refuse("dns.promises.lookup")) as typeof dns.promises.lookup;
