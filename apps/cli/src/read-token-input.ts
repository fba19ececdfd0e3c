import { readFile } from 'node:fs/promises';
import { GhlSyncError } from '@ghl-sync/errors';

/** Where `locations add` may take the tokens from, as the command line gave them. */
export interface TokenInputOptions {
  /** `--token`: visible to every user of the host (`ps`) and kept in shell history; warned about. */
  token?: string;
  /** `--refresh-token`: the same, for the OAuth refresh token. */
  refreshToken?: string;
  /** `--token-file <path>`: the token on the file's first line. */
  tokenFile?: string;
  /** `--refresh-token-file <path>`: the refresh token on the file's first line. */
  refreshTokenFile?: string;
  /** `--token-stdin`: the token on stdin's first line, the refresh token (OAuth) on its second. */
  tokenStdin?: boolean;
}

/** Where the process reads from; replaced in tests. */
export interface TokenInputSources {
  /** `GHL_TOKEN` / `GHL_REFRESH_TOKEN`, from packages/config. */
  env: { GHL_TOKEN?: string; GHL_REFRESH_TOKEN?: string };
  stdin: NodeJS.ReadStream;
  /** Where the warning about `--token` and the prompts go. */
  stderr: NodeJS.WriteStream;
}

/** The tokens of a location to register. */
export interface TokenInput {
  accessToken: string;
  /** Set for an OAuth location. */
  refreshToken?: string;
}

const firstLines = (text: string) =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function readTokenFile(path: string, flag: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new GhlSyncError(
      'invalid_argument',
      `${flag}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const [token] = firstLines(text);
  if (!token) throw new GhlSyncError('invalid_argument', `${flag}: ${path} holds no token`);
  return token;
}

/** Reads one line from a TTY without echoing it (raw mode); Ctrl-C aborts. */
async function promptHidden(question: string, sources: TokenInputSources): Promise<string> {
  const { stdin, stderr } = sources;
  stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            stdin.off('data', onData);
            stderr.write('\n');
            return resolve(value.trim());
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            stderr.write('\n');
            return reject(new GhlSyncError('invalid_argument', 'cancelled: no token entered'));
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/**
 * Finds the tokens of `locations add` without requiring them on the command line, where every
 * user of the host could read them (`ps`) and the shell history would keep them. In order:
 * `--token-stdin` (first line; second line = OAuth refresh token), `--token-file`, `--token`
 * (with a warning), `GHL_TOKEN`, then a prompt without echo when stdin is a terminal. The refresh
 * token comes from stdin's second line, `--refresh-token-file`, `--refresh-token` (warned),
 * `GHL_REFRESH_TOKEN` or, after a prompted token, a second prompt (empty = a Private
 * Integration token). A refresh token makes the location an OAuth location.
 * @throws GhlSyncError `invalid_argument` when no token is found or two sources are given.
 */
export async function readTokenInput(options: TokenInputOptions, sources: TokenInputSources): Promise<TokenInput> {
  const given = [
    options.tokenStdin && '--token-stdin',
    options.tokenFile !== undefined && '--token-file',
    options.token !== undefined && '--token',
  ].filter(Boolean);
  if (given.length > 1)
    throw new GhlSyncError('invalid_argument', `give the token one way, not ${given.join(' and ')}`);
  const warn = (flag: string, instead: string) =>
    sources.stderr.write(
      `warning: ${flag} puts the token on the command line, where every user of this host can read it (ps) and the shell history keeps it; use ${instead} instead\n`,
    );

  let accessToken: string | undefined;
  let refreshToken: string | undefined;
  let prompted = false;
  if (options.tokenStdin) {
    const [first, second] = firstLines(await readAll(sources.stdin));
    if (!first) throw new GhlSyncError('invalid_argument', '--token-stdin: stdin holds no token');
    accessToken = first;
    refreshToken = second;
  } else if (options.tokenFile !== undefined) {
    accessToken = await readTokenFile(options.tokenFile, '--token-file');
  } else if (options.token !== undefined) {
    warn('--token', '--token-stdin, --token-file <path> or GHL_TOKEN');
    accessToken = options.token;
  } else if (sources.env.GHL_TOKEN) {
    accessToken = sources.env.GHL_TOKEN;
  } else if (sources.stdin.isTTY) {
    accessToken = await promptHidden('GHL token (Private Integration or OAuth access token; not shown): ', sources);
    prompted = true;
  }
  if (!accessToken)
    throw new GhlSyncError(
      'invalid_argument',
      'no token given: pipe it with --token-stdin, or use --token-file <path> or GHL_TOKEN',
    );

  if (refreshToken === undefined) {
    if (options.refreshTokenFile !== undefined)
      refreshToken = await readTokenFile(options.refreshTokenFile, '--refresh-token-file');
    else if (options.refreshToken !== undefined) {
      warn('--refresh-token', '--token-stdin (second line), --refresh-token-file <path> or GHL_REFRESH_TOKEN');
      refreshToken = options.refreshToken;
    } else if (sources.env.GHL_REFRESH_TOKEN) refreshToken = sources.env.GHL_REFRESH_TOKEN;
    else if (prompted)
      refreshToken =
        (await promptHidden('OAuth refresh token (empty for a Private Integration token; not shown): ', sources)) ||
        undefined;
  }
  return refreshToken ? { accessToken, refreshToken } : { accessToken };
}
