// The app's writeback command for the runner's command_handler executor: the runner starts it
// once per approved change, writes the request to stdin and reads one receipt from stdout.
// There is no bearer token or signature here: the runner spawning the command is the caller.

import { createWritebackHandler } from "synapsor-runner/handler";
import { appDatabase, capabilities, logError } from "../late-fee-waiver.mjs";

const handler = createWritebackHandler({ source: appDatabase(), capabilities, onError: logError });
try {
  await handler.runCommand();
} finally {
  await handler.close();
}
