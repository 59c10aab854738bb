// Prints what the Python helper must share with the TypeScript one (python/tests/test_helper.py
// compares): the receipts table DDL on both engines, the safe error codes, the protocol version.

import { handlerReceiptsDdl } from "../../../handler/index.ts";
import { SAFE_ERROR_CODES, WRITEBACK_PROTOCOL_VERSION } from "../../../runtime/executors/protocol.ts";

process.stdout.write(
  JSON.stringify({
    ddl: { postgres: handlerReceiptsDdl("postgres"), mysql: handlerReceiptsDdl("mysql") },
    safe_error_codes: SAFE_ERROR_CODES,
    protocol_version: WRITEBACK_PROTOCOL_VERSION,
  }) + "\n",
);
