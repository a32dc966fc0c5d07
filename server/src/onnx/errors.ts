/**
 * The one error type every model decoding failure becomes. Its message names the file,
 * the protobuf field path (`graph.node[12].attribute[0]`) and the byte offset, so a user
 * (and a fuzz test) can tell what is wrong and where.
 */
export class OnnxDecodeError extends Error {
  override readonly name = 'OnnxDecodeError';

  constructor(
    /** The model file as given to the decoder. */
    readonly file: string,
    /** Field path from ModelProto, e.g. `graph.node[12].attribute[0]`; '' for the file as a whole. */
    readonly fieldPath: string,
    /** Byte offset in the file where the problem was found. */
    readonly offset: number,
    /** What is wrong, without the file and path prefix. */
    readonly reason: string,
  ) {
    super(`${file}: ${fieldPath ? `${fieldPath}: ` : ''}${reason}`);
  }
}
