// Refuses, in one line, a Node.js that cannot run synapsor-runner, before anything that needs
// a newer one is loaded. The CLI launcher imports this file first, and the build puts its text
// at the top of every compiled server.mjs: a static `import "node:sqlite"` would fail at link
// time, with a stack trace, before any check could run. Plain JavaScript with no imports, so
// any Node.js can read it; "engines" in package.json says the same (a unit test holds them together).
{
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 16) || major === 23) {
    process.stderr.write(`synapsor-runner needs Node.js 22.16 or a later 22.x, or 24 or newer; this is Node.js ${process.versions.node}.\n`);
    process.exit(1);
  }
}
