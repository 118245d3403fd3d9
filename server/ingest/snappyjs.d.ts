/** snappyjs 0.7.0 ships no types; the two functions Flightdeck calls (block format, not framed). */
declare module "snappyjs" {
  /** Returns the same kind it is given (Buffer in, Buffer out). */
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
  /** Throws when the header declares more than `maxLength` bytes. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
}
