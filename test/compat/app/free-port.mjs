// A port the operating system says is free right now: a random one could be taken by another
// process on the machine (a test server, an outgoing connection's ephemeral port).
import { once } from 'node:events';
import { createServer } from 'node:net';

export async function freePort() {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}
