// Ports for the apps the matrix starts: one the operating system says is free right now (a
// random one could be taken by another process on the machine, a test server or an outgoing
// connection's ephemeral port), and a wait until a server started on one accepts connections.
import { once } from 'node:events';
import { connect, createServer } from 'node:net';

export async function freePort() {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once 127.0.0.1:`port` accepts a connection; rejects after `timeoutMs`. */
export async function acceptingConnections(port, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const accepted = await new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > deadline) throw new Error(`nothing accepts connections on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
