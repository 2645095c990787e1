import { createServer, connect, type AddressInfo, type Server } from 'node:net';

/**
 * A loopback port where nothing listens (it was free a moment ago): an address for "a host that
 * cannot be reached". Never start a server on it (another process may take it first): servers
 * listen on port 0 and report the port they got, as `listenOnLoopback` does.
 */
export function closedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    });
    probe.on('error', fail);
  });
}

/**
 * A TCP port on 127.0.0.1, chosen by the system when it is bound (port 0), that forwards every
 * connection to a UNIX socket: for servers that can listen on a socket (Jupyter's `--sock`) but would
 * race for a TCP port. Close the returned server when done.
 */
export function forwardToSocket(socketPath: string): Promise<{ server: Server; port: number }> {
  return new Promise((done, fail) => {
    const server = createServer((client) => {
      const upstream = connect(socketPath);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as AddressInfo).port }));
  });
}
