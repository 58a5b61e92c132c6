/**
 * Starts Azurite (Microsoft's Azure Storage emulator, npm `azurite`) on 127.0.0.1, blob and queue
 * services on ports the OS picks, in memory, and stops it after. See ../../../shared/PROVIDERS.md:
 * `--skipApiVersionCheck` because @azure/storage-blob sends an API version Azurite may not know yet.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ACCOUNT = 'devstoreaccount1';
// Azurite's well-known development key (public, documented by Microsoft).
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function bin(name: string): string {
  return fileURLToPath(new URL(`../../../node_modules/.bin/${name}`, import.meta.url));
}

async function startOne(service: 'blob' | 'queue', tls: AzuriteTls | undefined): Promise<{ child: ChildProcess; port: number }> {
  const secure = tls ? ['--cert', tls.cert, '--key', tls.key, '--oauth', 'basic'] : [];
  const child = spawn(bin(`azurite-${service}`), [`--${service}Host`, '127.0.0.1', `--${service}Port`, '0', '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--loose', ...secure], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`azurite-${service} did not start: ${output}`)), 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const found = /successfully listens on https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(Number(found[1]));
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`azurite-${service} exited with ${code}: ${output}`));
    });
  });
  return { child, port };
}

/** PEM files: with them, Azurite serves https and accepts OAuth bearer tokens (`--oauth basic`, which needs https). */
export interface AzuriteTls {
  readonly cert: string;
  readonly key: string;
}

export interface Azurite {
  readonly connectionString: string;
  readonly blobServiceUri: string;
  readonly queueServiceUri: string;
  stop(): Promise<void>;
}

export async function startAzurite(tls?: AzuriteTls): Promise<Azurite> {
  const [blob, queue] = await Promise.all([startOne('blob', tls), startOne('queue', tls)]);
  const scheme = tls ? 'https' : 'http';
  return {
    connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${ACCOUNT};AccountKey=${KEY};BlobEndpoint=${scheme}://127.0.0.1:${blob.port}/${ACCOUNT};QueueEndpoint=${scheme}://127.0.0.1:${queue.port}/${ACCOUNT};`,
    blobServiceUri: `${scheme}://127.0.0.1:${blob.port}/${ACCOUNT}`,
    queueServiceUri: `${scheme}://127.0.0.1:${queue.port}/${ACCOUNT}`,
    async stop() {
      await Promise.all(
        [blob.child, queue.child].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
