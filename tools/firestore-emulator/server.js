// Starts an in-memory Firestore emulator on 127.0.0.1:<port> (argument or FIRESTORE_EMULATOR_PORT).
// Prints "listening 127.0.0.1:<port>" once it accepts connections; stops on SIGTERM/SIGINT.
// It implements the calls the Python client makes for documents (BatchGetDocuments, Commit,
// RunQuery) but does not isolate transactions: nothing here relies on them.
"use strict";

const { ServerCredentials } = require("@grpc/grpc-js");
const { FirestoreServer } = require("@firestore-emulator/server");

const port = Number(process.argv[2] || process.env.FIRESTORE_EMULATOR_PORT || 8086);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`invalid port: ${process.argv[2]}`);
  process.exit(2);
}

const emulator = new FirestoreServer();
// The package's own start() binds every interface; a test emulator should only listen on loopback.
emulator.server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(`cannot listen on 127.0.0.1:${port}: ${err.message}`);
    process.exit(1);
  }
  console.log(`listening 127.0.0.1:${bound}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    emulator.stop();
    process.exit(0);
  });
}
