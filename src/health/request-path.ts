// The path of an HTTP request target. Node's parser accepts targets that WHATWG URL refuses
// (`GET http://[::1 HTTP/1.1`): parsing them must never throw in a request handler.
export function requestPath(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://x').pathname;
  } catch {
    return undefined;
  }
}
