// Messages as the keyset handles them. The envelope itself (uuid correlation, replies vs pushes, errors) is the
// protocol client library's business (src/protocol/client); this names its types for the keyset.
import { RequestError, type Push } from '../../../../src/protocol/client/index.js';

/** A push of the server (broadcasts, media). */
export type PushMessage = Push;

/** An error reply: branch on `error.is('auth')` etc. (symbolic names of src/protocol/errors.ts), never on text. */
export { RequestError as ProtocolRequestError };
