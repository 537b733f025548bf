/** Factories for per-file test resources that are cleaned up after the file's tests. */
import net from 'node:net';
import { afterAll } from 'vitest';
import { createFakeFly, type CreateFakeFlyOptions, type FakeFly } from './fake-fly.ts';

/** Returns createFakeFly() whose state directories are removed after the file's tests. */
export function fakeFlyFactory(): (opts?: CreateFakeFlyOptions) => FakeFly {
  const made: FakeFly[] = [];
  afterAll(() => {
    for (const fly of made) fly.cleanup();
  });
  return (opts) => {
    const fly = createFakeFly(opts);
    made.push(fly);
    return fly;
  };
}

/** A local port nothing listens on (bound, then released): connecting to it is refused. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
