/**
 * PostgreSQL log sequence numbers (`pg_lsn`: a 64-bit WAL position written as two hexadecimal halves, `16/B374D848`;
 * pg-logical-replication pads them, `00000016/B374D848`). Compared as bigints.
 */

/** The position of `text`. @throws {Error} when it is not an LSN */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!match) throw new Error(`not a PostgreSQL LSN: ${JSON.stringify(text)}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** `position` as PostgreSQL writes it (`16/B374D848`). */
export function formatLsn(position: bigint): string {
  const high = (position >> 32n).toString(16).toUpperCase();
  const low = (position & 0xffffffffn).toString(16).toUpperCase();
  return `${high}/${low}`;
}
